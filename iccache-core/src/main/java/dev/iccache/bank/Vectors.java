package dev.iccache.bank;

/** Vector arithmetic shared by the stores, admission and selection. */
public final class Vectors {
    private Vectors() {
    }

    /**
     * The dot product, accumulated in double precision: the cosine of two unit vectors.
     *
     * @throws IllegalArgumentException when the lengths differ
     */
    public static double dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors have " + a.length + " and " + b.length + " dimensions");
        }
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
}
