package dev.iccache.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KMeansTest {
    private static float[][] unitVectors(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] v = new float[n][d];
        for (float[] x : v) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                x[j] = (float) r.nextGaussian();
                s += x[j] * x[j];
            }
            for (int j = 0; j < d; j++) {
                x[j] /= (float) Math.sqrt(s);
            }
        }
        return v;
    }

    @Test
    void largeInputsSplitOverThreadsGiveTheSameCentroidsEveryTime() {
        float[][] v = unitVectors(KMeans.PARALLEL_FROM * 2, 16, 3);
        float[][] first = KMeans.centroids(v, 20, 5, new SplittableRandom(7));
        for (int run = 0; run < 3; run++) {
            assertThat(KMeans.centroids(v, 20, 5, new SplittableRandom(7))).isDeepEqualTo(first);
        }
    }

    @Test
    void assignsEachVectorToItsNearestCentroid() {
        float[][] v = unitVectors(KMeans.PARALLEL_FROM + 17, 8, 5);
        int[] clusters = KMeans.assign(v, 12, 4, new SplittableRandom(9));
        float[][] centres = KMeans.centroids(v, 12, 4, new SplittableRandom(9));
        for (int i = 0; i < v.length; i++) {
            assertThat(clusters[i]).as("vector %d", i).isEqualTo(KMeans.nearest(centres, v[i]));
        }
        assertThat(Arrays.stream(clusters).distinct().count()).isGreaterThan(1);
    }
}
