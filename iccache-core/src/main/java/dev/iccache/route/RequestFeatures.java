package dev.iccache.route;

import java.util.SplittableRandom;

/**
 * The router's view of a request (IC-Cache §4.2 context): a bias, a reduced embedding (a fixed
 * seeded Gaussian random projection of the unit embedding, Johnson-Lindenstrauss style), the
 * request's length and its number of turns; and per arm, the in-context examples it would carry.
 */
public final class RequestFeatures {
    /** Dimensions the embedding is projected to. */
    public static final int PROJECTED = 16;
    /** Length of {@link #of} vectors. */
    public static final int REQUEST_DIMENSION = PROJECTED + 3;
    /** Length of {@link #withExamples} vectors. */
    public static final int ARM_DIMENSION = REQUEST_DIMENSION + 4;
    private static final long PROJECTION_SEED = 0x1CCAC4EL;

    private final double[][] projection;

    /** A projection for embeddings of {@code embeddingDimension} dimensions (the same seed every time). */
    public RequestFeatures(int embeddingDimension) {
        SplittableRandom random = new SplittableRandom(PROJECTION_SEED);
        projection = new double[PROJECTED][embeddingDimension];
        for (double[] row : projection) {
            for (int j = 0; j < row.length; j++) {
                row[j] = gaussian(random) / Math.sqrt(PROJECTED);
            }
        }
    }

    /**
     * The request context.
     *
     * @param embedding     the request's unit embedding
     * @param requestTokens tokens of the request
     * @param turns         user turns in the conversation
     */
    public double[] of(float[] embedding, int requestTokens, int turns) {
        if (embedding.length != projection[0].length) {
            throw new IllegalArgumentException("embedding has " + embedding.length + " dimensions, expected "
                    + projection[0].length);
        }
        double[] x = new double[REQUEST_DIMENSION];
        x[0] = 1;
        for (int i = 0; i < PROJECTED; i++) {
            double s = 0;
            for (int j = 0; j < embedding.length; j++) {
                s += projection[i][j] * embedding[j];
            }
            x[1 + i] = s;
        }
        x[PROJECTED + 1] = Math.min(1, Math.log1p(requestTokens) / 8);
        x[PROJECTED + 2] = Math.min(1, (turns - 1) / 8.0);
        return x;
    }

    /**
     * An arm's context: the request context and the examples this arm would carry.
     *
     * @param examples       examples in the arm's prompt
     * @param maxUtility     highest utility among them (0 if none)
     * @param meanUtility    mean utility (0 if none)
     * @param maxSimilarity  highest similarity (0 if none)
     */
    public static double[] withExamples(double[] request, int examples, double maxUtility, double meanUtility,
            double maxSimilarity) {
        double[] x = java.util.Arrays.copyOf(request, ARM_DIMENSION);
        x[REQUEST_DIMENSION] = Math.min(1, examples / 5.0);
        x[REQUEST_DIMENSION + 1] = maxUtility;
        x[REQUEST_DIMENSION + 2] = meanUtility;
        x[REQUEST_DIMENSION + 3] = maxSimilarity;
        return x;
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = Math.max(r.nextDouble(), 1e-12);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
