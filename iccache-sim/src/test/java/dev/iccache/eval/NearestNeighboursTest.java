package dev.iccache.eval;

import dev.iccache.bank.Vectors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.eval.NearestNeighbours.Neighbour;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Store-based neighbours against an exact scan, with the reference store and the production one. */
class NearestNeighboursTest {
    private static List<float[]> vectors(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[d];
            double norm = 0;
            for (int j = 0; j < d; j++) {
                v[j] = (float) (r.nextDouble() - 0.5);
                norm += v[j] * v[j];
            }
            for (int j = 0; j < d; j++) {
                v[j] /= (float) Math.sqrt(norm);
            }
            out.add(v);
        }
        out.add(out.get(3).clone()); // an exact duplicate
        return out;
    }

    private static double exact(List<float[]> v, int i, int end) {
        double best = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < end; j++) {
            if (j != i) {
                best = Math.max(best, Vectors.dot(v.get(i), v.get(j)));
            }
        }
        return best;
    }

    private static void check(NearestNeighbours nn, List<float[]> v) {
        Neighbour[] other = nn.nearestOther(v);
        Neighbour[] earlier = nn.nearestEarlier(v, 7); // blocks of 7: store plus in-block scan
        for (int i = 0; i < v.size(); i++) {
            assertThat(other[i].index()).isNotEqualTo(i);
            assertThat(other[i].similarity()).as("other %d", i).isCloseTo(exact(v, i, v.size()), within(1e-5));
            if (i == 0) {
                assertThat(earlier[i]).isEqualTo(Neighbour.NONE);
            } else {
                assertThat(earlier[i].index()).isLessThan(i);
                assertThat(earlier[i].similarity()).as("earlier %d", i).isCloseTo(exact(v, i, i), within(1e-5));
            }
        }
        assertThat(other[v.size() - 1].similarity()).isCloseTo(1, within(1e-5));
        Neighbour[] in = nn.nearestIn(v.subList(0, 10), v.subList(10, v.size()));
        for (int q = 0; q < in.length; q++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < 10; j++) {
                best = Math.max(best, Vectors.dot(v.get(10 + q), v.get(j)));
            }
            assertThat(in[q].similarity()).isCloseTo(best, within(1e-5));
        }
    }

    @Test
    void referenceStoreMatchesAnExactScan() {
        check(new NearestNeighbours(InMemoryExampleStore::new), vectors(40, 8, 1));
    }

    @Test
    void productionStoreMatchesAnExactScanOnASmallSet() {
        try (ScratchStores stores = new ScratchStores()) {
            check(new NearestNeighbours(stores), vectors(40, 8, 2));
        }
    }
}
