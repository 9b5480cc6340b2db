package dev.iccache.stats;

import dev.iccache.bank.Vectors;
import java.util.function.IntConsumer;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * Seeded spherical k-means on unit vectors (cosine): k-means++ seeding, then a fixed number of
 * Lloyd steps; centroids are unit vectors. The per-vector distance work (n x k dot products per
 * step) runs on the common fork-join pool for large inputs; every sum is taken in order, so the
 * result is the same as on one thread.
 */
public final class KMeans {
    /** Vectors from which the per-vector work is split over the common pool. */
    static final int PARALLEL_FROM = 2048;

    private KMeans() {
    }

    /** Runs {@code work} for 0..n-1, in parallel when n is large (each index independent). */
    private static void forEach(int n, IntConsumer work) {
        IntStream range = IntStream.range(0, n);
        (n >= PARALLEL_FROM ? range.parallel() : range).forEach(work);
    }

    /** The cluster of each vector, in [0, min(k, n)). */
    public static int[] assign(float[][] vectors, int k, int iterations, RandomGenerator random) {
        float[][] centres = centroids(vectors, k, iterations, random);
        int[] out = new int[vectors.length];
        forEach(vectors.length, i -> out[i] = nearest(centres, vectors[i]));
        return out;
    }

    /** The index of the centroid nearest (by cosine) to {@code v}; 0 when there is one or none. */
    public static int nearest(float[][] centres, float[] v) {
        return Math.max(0, Vectors.argmaxDot(centres, v));
    }

    /** {@link #nearest(float[][], float[])} of each of {@code vs}, computed together; {@code norms}: the centres'. */
    public static int[] nearest(float[][] centres, double[] norms, float[][] vs) {
        int[] out = Vectors.argmaxDots(centres, norms, vs);
        for (int j = 0; j < out.length; j++) {
            out[j] = Math.max(0, out[j]);
        }
        return out;
    }

    /** min(k, n) unit centroids of the vectors (none when there are no vectors). */
    public static float[][] centroids(float[][] vectors, int k, int iterations, RandomGenerator random) {
        int n = vectors.length;
        k = Math.min(k, n);
        if (n == 0) {
            return new float[0][];
        }
        if (k <= 1) {
            return new float[][] {vectors[0].clone()};
        }
        int[] out = new int[n];
        int dim = vectors[0].length;
        float[][] centres = new float[k][];
        centres[0] = vectors[random.nextInt(n)].clone();
        double[] nearest = new double[n];
        java.util.Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        for (int c = 1; c < k; c++) {
            float[] last = centres[c - 1];
            forEach(n, i -> nearest[i] = Math.min(nearest[i], distance(vectors[i], last)));
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += nearest[i];
            }
            double u = random.nextDouble() * total;
            int pick = n - 1;
            for (int i = 0; i < n; i++) {
                u -= nearest[i];
                if (u <= 0) {
                    pick = i;
                    break;
                }
            }
            centres[c] = vectors[pick].clone();
        }
        for (int step = 0; step < iterations; step++) {
            forEach(n, i -> out[i] = nearest(centres, vectors[i]));
            double[][] sums = new double[k][dim];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < dim; j++) {
                    sums[out[i]][j] += vectors[i][j];
                }
            }
            for (int c = 0; c < k; c++) {
                double norm = 0;
                for (double v : sums[c]) {
                    norm += v * v;
                }
                if (norm == 0) {
                    continue; // an empty cluster keeps its centre
                }
                norm = Math.sqrt(norm);
                for (int j = 0; j < dim; j++) {
                    centres[c][j] = (float) (sums[c][j] / norm);
                }
            }
        }
        return centres;
    }

    private static double distance(float[] a, float[] b) {
        return Math.max(0, 2 - 2 * Vectors.dot(a, b));
    }
}
