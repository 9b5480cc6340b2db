package dev.iccache.bank;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision dot products on the JDK's vector API (module {@code jdk.incubator.vector}): loaded only when
 * {@link Vectors#SIMD} says the module is there, so that a JVM started without it never touches this class.
 */
final class SimdDot {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private SimdDot() {
    }

    /**
     * For each row r, the dot product of row r and {@code v} in {@code dots[r]} and Σ|row_i·v_i| in
     * {@code magnitudes[r]} (what bounds the rounding error of the first).
     */
    static void dots(float[][] rows, float[] v, float[] dots, float[] magnitudes) {
        int bound = SPECIES.loopBound(v.length);
        for (int r = 0; r < rows.length; r++) {
            float[] row = rows[r];
            Vectors.checkLengths(row, v);
            FloatVector sum = FloatVector.zero(SPECIES);
            FloatVector magnitude = FloatVector.zero(SPECIES);
            int i = 0;
            for (; i < bound; i += SPECIES.length()) {
                FloatVector product = FloatVector.fromArray(SPECIES, row, i).mul(FloatVector.fromArray(SPECIES, v, i));
                sum = sum.add(product);
                magnitude = magnitude.add(product.abs());
            }
            float s = sum.reduceLanes(VectorOperators.ADD);
            float m = magnitude.reduceLanes(VectorOperators.ADD);
            for (; i < v.length; i++) {
                float product = row[i] * v[i];
                s += product;
                m += Math.abs(product);
            }
            dots[r] = s;
            magnitudes[r] = m;
        }
    }
}
