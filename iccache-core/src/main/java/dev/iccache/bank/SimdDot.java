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

    /**
     * {@code dots[j][r]} = the dot product of row r and {@code vs[j]}: four vectors at a time against each row, so that
     * a row is read once per four (the rows of many lookups stay out of the cache otherwise).
     */
    static void dots(float[][] rows, float[][] vs, float[][] dots) {
        int j = 0;
        for (; j + 4 <= vs.length; j += 4) {
            float[] a = vs[j];
            float[] b = vs[j + 1];
            float[] c = vs[j + 2];
            float[] d = vs[j + 3];
            Vectors.checkLengths(a, b);
            Vectors.checkLengths(a, c);
            Vectors.checkLengths(a, d);
            int bound = SPECIES.loopBound(a.length);
            for (int r = 0; r < rows.length; r++) {
                float[] row = rows[r];
                Vectors.checkLengths(row, a);
                FloatVector sa = FloatVector.zero(SPECIES);
                FloatVector sb = FloatVector.zero(SPECIES);
                FloatVector sc = FloatVector.zero(SPECIES);
                FloatVector sd = FloatVector.zero(SPECIES);
                int i = 0;
                for (; i < bound; i += SPECIES.length()) {
                    FloatVector x = FloatVector.fromArray(SPECIES, row, i);
                    sa = sa.add(x.mul(FloatVector.fromArray(SPECIES, a, i)));
                    sb = sb.add(x.mul(FloatVector.fromArray(SPECIES, b, i)));
                    sc = sc.add(x.mul(FloatVector.fromArray(SPECIES, c, i)));
                    sd = sd.add(x.mul(FloatVector.fromArray(SPECIES, d, i)));
                }
                float ta = sa.reduceLanes(VectorOperators.ADD);
                float tb = sb.reduceLanes(VectorOperators.ADD);
                float tc = sc.reduceLanes(VectorOperators.ADD);
                float td = sd.reduceLanes(VectorOperators.ADD);
                for (; i < row.length; i++) {
                    ta += row[i] * a[i];
                    tb += row[i] * b[i];
                    tc += row[i] * c[i];
                    td += row[i] * d[i];
                }
                dots[j][r] = ta;
                dots[j + 1][r] = tb;
                dots[j + 2][r] = tc;
                dots[j + 3][r] = td;
            }
        }
        float[] ignored = new float[rows.length];
        for (; j < vs.length; j++) {
            dots(rows, vs[j], dots[j], ignored);
        }
    }
}
