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
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }
}
