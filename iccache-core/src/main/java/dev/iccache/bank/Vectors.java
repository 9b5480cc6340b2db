package dev.iccache.bank;

/** Vector arithmetic shared by the stores, admission and selection. */
public final class Vectors {
    /** Whether the JDK's vector API is there (the launchers add module {@code jdk.incubator.vector}). */
    static final boolean SIMD = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    /**
     * Relative rounding error allowed for a single-precision sum of n products: n·2⁻²³, twice the classic bound
     * n·u (u = 2⁻²⁴) of recursive summation, which the lane-wise sums of {@link SimdDot} stay well within.
     */
    private static final double FLOAT_ERROR_PER_TERM = 0x1p-23;

    private Vectors() {
    }

    /**
     * The dot product, accumulated in double precision: the cosine of two unit vectors.
     *
     * @throws IllegalArgumentException when the lengths differ
     */
    public static double dot(float[] a, float[] b) {
        checkLengths(a, b);
        // Four independent sums, so that the JIT can pipeline the multiply-adds.
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (int end = a.length - 3; i < end; i += 4) {
            s0 += (double) a[i] * b[i];
            s1 += (double) a[i + 1] * b[i + 1];
            s2 += (double) a[i + 2] * b[i + 2];
            s3 += (double) a[i + 3] * b[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += (double) a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * The index of the row of {@code rows} with the largest {@link #dot} with {@code v}, the first of equal ones
     * (−1 when there are no rows; NaN products never count as larger): exactly what comparing every row's
     * {@link #dot} gives, faster. With the vector API, all rows are screened in single precision with SIMD, each
     * with a bound on its rounding error, and only the rows that could still be the largest (usually one or two)
     * are computed again in double precision.
     *
     * @throws IllegalArgumentException when a row's length differs from {@code v}'s
     */
    public static int argmaxDot(float[][] rows, float[] v) {
        if (!SIMD || rows.length < 2) {
            return argmaxDot(rows, v, null);
        }
        float[] dots = new float[rows.length];
        float[] magnitudes = new float[rows.length];
        SimdDot.dots(rows, v, dots, magnitudes);
        double errorPerMagnitude = v.length * FLOAT_ERROR_PER_TERM;
        double[] errors = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
            errors[r] = errorPerMagnitude * magnitudes[r];
        }
        return screened(rows, v, dots, errors);
    }

    /**
     * {@link #argmaxDot(float[][], float[])} of each of {@code vs}, the same answers, computed together: each row is
     * read once for four vectors at a time, which is what makes many lookups in the same rows (the clusters of a
     * selection's candidates) cheap. The rounding error of a screened product is bounded by the two vectors' lengths
     * (Σ|aᵢbᵢ| ≤ ‖a‖·‖b‖) instead of by its own magnitudes.
     *
     * @param rowNorms the Euclidean length of each row ({@link #norms})
     * @throws IllegalArgumentException when a row's length differs from a vector's
     */
    public static int[] argmaxDots(float[][] rows, double[] rowNorms, float[][] vs) {
        if (rowNorms.length != rows.length) {
            throw new IllegalArgumentException(rows.length + " rows and " + rowNorms.length + " norms");
        }
        int[] best = new int[vs.length];
        if (!SIMD || rows.length < 2) {
            for (int j = 0; j < vs.length; j++) {
                best[j] = argmaxDot(rows, vs[j], null);
            }
            return best;
        }
        float[][] dots = new float[vs.length][rows.length];
        SimdDot.dots(rows, vs, dots);
        double[] errors = new double[rows.length];
        for (int j = 0; j < vs.length; j++) {
            double errorPerNorm = vs[j].length * FLOAT_ERROR_PER_TERM * Math.sqrt(dot(vs[j], vs[j]));
            for (int r = 0; r < rows.length; r++) {
                errors[r] = errorPerNorm * rowNorms[r];
            }
            best[j] = screened(rows, vs[j], dots[j], errors);
        }
        return best;
    }

    /** The Euclidean length of each row, for {@link #argmaxDots}. */
    public static double[] norms(float[][] rows) {
        double[] norms = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
            norms[r] = Math.sqrt(dot(rows[r], rows[r]));
        }
        return norms;
    }

    /**
     * The exact argmax of the rows' dot products with {@code v}, from single-precision ones ({@code dots}) each within
     * {@code errors} of the exact value: only the rows whose upper bound reaches the largest lower bound are computed
     * again in double precision.
     */
    private static int screened(float[][] rows, float[] v, float[] dots, double[] errors) {
        double surelyReached = Double.NEGATIVE_INFINITY; // the largest lower bound of a row's exact dot product
        for (int r = 0; r < rows.length; r++) {
            surelyReached = Math.max(surelyReached, dots[r] - errors[r]);
        }
        boolean[] contenders = new boolean[rows.length];
        boolean any = false;
        for (int r = 0; r < rows.length; r++) {
            contenders[r] = dots[r] + errors[r] >= surelyReached;
            any |= contenders[r];
        }
        return argmaxDot(rows, v, any ? contenders : null); // none: NaNs in the input, decided as without SIMD
    }

    /**
     * {@link #argmaxDot(float[][], float[])} in double precision over the rows {@code among} marks (null: all): the
     * first of them stands until a later one has a larger dot product (a NaN one never has).
     */
    static int argmaxDot(float[][] rows, float[] v, boolean[] among) {
        int best = -1;
        double bestDot = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rows.length; r++) {
            if (among != null && !among[r]) {
                continue;
            }
            if (best < 0) {
                best = r;
            }
            double d = dot(rows[r], v);
            if (d > bestDot) {
                bestDot = d;
                best = r;
            }
        }
        return best;
    }

    static void checkLengths(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors have " + a.length + " and " + b.length + " dimensions");
        }
    }
}
