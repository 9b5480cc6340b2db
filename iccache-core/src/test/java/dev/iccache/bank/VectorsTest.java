package dev.iccache.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VectorsTest {
    /** Dimensions of the property tests' vectors: below, at and above the SIMD lanes, and the model's 384. */
    private static final int[] DIMENSIONS = {1, 3, 15, 16, 17, 31, 384, 385};

    @Test
    void theTestsRunWithTheVectorApiSoTheSimdScreenIsWhatTheyCheck() {
        assertThat(Vectors.SIMD).as("surefire's argLine adds jdk.incubator.vector, as every launcher does").isTrue();
    }

    /** Property: over many random cases, the screened argmax is the one every row's exact dot product gives. */
    @Test
    void theScreenedArgmaxIsTheExactOneOnRandomRowsNearTiesAndDuplicates() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 3_000; trial++) {
            int dim = DIMENSIONS[random.nextInt(DIMENSIONS.length)];
            int n = 1 + random.nextInt(trial % 10 == 0 ? 300 : 12);
            boolean unit = random.nextBoolean();
            float[] v = vector(random, dim, unit);
            float[][] rows = rowsAround(random, n, v, unit);
            assertThat(Vectors.argmaxDot(rows, v)).as("trial %d: %d rows of %d dimensions", trial, n, dim)
                    .isEqualTo(Vectors.argmaxDot(rows, v, null));
        }
    }

    /** Property: the argmax of many vectors computed together is each one's exact argmax. */
    @Test
    void theArgmaxOfManyVectorsTogetherIsEachOnesExactArgmax() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 1_500; trial++) {
            int dim = DIMENSIONS[random.nextInt(DIMENSIONS.length)];
            boolean unit = random.nextBoolean();
            float[][] vs = new float[random.nextInt(11)][]; // none, fewer than four, and groups of four with a rest
            for (int j = 0; j < vs.length; j++) {
                vs[j] = vector(random, dim, unit);
            }
            float[] around = vs.length > 0 ? vs[random.nextInt(vs.length)] : vector(random, dim, unit);
            float[][] rows = rowsAround(random, 1 + random.nextInt(trial % 10 == 0 ? 300 : 12), around, unit);
            int[] together = Vectors.argmaxDots(rows, Vectors.norms(rows), vs);
            assertThat(together).hasSize(vs.length);
            for (int j = 0; j < vs.length; j++) {
                assertThat(together[j]).as("trial %d, vector %d of %d: %d rows of %d dimensions", trial, j, vs.length,
                        rows.length, dim).isEqualTo(Vectors.argmaxDot(rows, vs[j], null));
            }
        }
    }

    @Test
    void theArgmaxOfManyVectorsKeepsTheFirstOfEqualRowsAndRefusesOtherLengths() {
        float[][] rows = {{0, 1}, {0.6f, 0.8f}, {1, 0}, {0.6f, 0.8f}};
        float[][] vs = {{0.6f, 0.8f}, {1, 0}, {0, 1}, {0.6f, 0.8f}, {-1, 0}};
        assertThat(Vectors.argmaxDots(rows, Vectors.norms(rows), vs)).containsExactly(1, 2, 0, 1, 0);
        assertThatThrownBy(() -> Vectors.argmaxDots(rows, Vectors.norms(rows), new float[][] {{1, 0, 0}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimensions");
        assertThatThrownBy(() -> Vectors.argmaxDots(rows, new double[1], vs))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("norms");
    }

    @Test
    void theFirstOfEqualRowsWinsAndNoRowsIsMinusOne() {
        float[] v = {0.6f, 0.8f};
        float[][] rows = {{0, 1}, {0.6f, 0.8f}, {1, 0}, {0.6f, 0.8f}};

        assertThat(Vectors.argmaxDot(rows, v)).isEqualTo(1);
        assertThat(Vectors.argmaxDot(new float[0][], v)).isEqualTo(-1);
        assertThat(Vectors.argmaxDot(new float[][] {{Float.NaN, 0}, {0, 1}}, v)).as("a NaN product is never larger")
                .isEqualTo(1);
        assertThat(Vectors.argmaxDot(new float[][] {{0, 1}, {Float.NaN, 0}}, v)).isZero();
    }

    @Test
    void rowsOfAnotherLengthAreRefused() {
        assertThatThrownBy(() -> Vectors.argmaxDot(new float[][] {{1, 0}, {1, 0, 0}}, new float[] {1, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimensions");
    }

    /** n rows of v's length: duplicates, near ties (a row moved by one float step in one place), v itself, others. */
    private static float[][] rowsAround(SplittableRandom random, int n, float[] v, boolean unit) {
        int dim = v.length;
        float[][] rows = new float[n][];
        for (int r = 0; r < n; r++) {
            switch (random.nextInt(4)) {
                case 0 -> rows[r] = r > 0 ? rows[random.nextInt(r)].clone() : vector(random, dim, unit);
                case 1 -> {
                    rows[r] = r > 0 ? rows[random.nextInt(r)].clone() : vector(random, dim, unit);
                    int i = random.nextInt(dim);
                    rows[r][i] = random.nextBoolean() ? Math.nextUp(rows[r][i]) : Math.nextDown(rows[r][i]);
                }
                case 2 -> rows[r] = v.clone();
                default -> rows[r] = vector(random, dim, unit);
            }
        }
        return rows;
    }

    private static float[] vector(SplittableRandom random, int dim, boolean unit) {
        float[] v = new float[dim];
        double norm = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) (random.nextGaussian() * (unit ? 1 : 1 + 50 * random.nextDouble()));
            norm += (double) v[i] * v[i];
        }
        if (unit) {
            for (int i = 0; i < dim; i++) {
                v[i] = (float) (v[i] / Math.sqrt(norm));
            }
        }
        return v;
    }
}
