package dev.iccache.sim.world;

import dev.iccache.stats.Cholesky;

/**
 * Ridge regression scored out of fold, for the checks that ask how much of a hidden quantity the
 * visible features carry: row i belongs to fold i mod {@link #FOLDS}, and each row is predicted by
 * the fit on the other folds (penalty {@link #LAMBDA} on every feature, an unpenalised intercept).
 */
final class Ridge {
    static final int FOLDS = 5;
    static final double LAMBDA = 10;

    private Ridge() {
    }

    /** Out-of-fold predictions of {@code y} from the rows of {@code x} (at least two per fold). */
    static double[] outOfFold(double[][] x, double[] y) {
        int n = x.length;
        if (n < 2 * FOLDS || y.length != n) {
            throw new IllegalArgumentException("need " + 2 * FOLDS + " or more rows and one target per row, got "
                    + n + " rows and " + y.length + " targets");
        }
        int dim = x[0].length;
        double[] prediction = new double[n];
        double[] row = new double[dim + 1];
        row[dim] = 1;
        for (int fold = 0; fold < FOLDS; fold++) {
            double mean = 0;
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (i % FOLDS != fold) {
                    mean += y[i];
                    m++;
                }
            }
            mean /= m;
            double[][] a = new double[dim + 1][dim + 1];
            double[] b = new double[dim + 1];
            for (int i = 0; i < n; i++) {
                if (i % FOLDS == fold) {
                    continue;
                }
                System.arraycopy(x[i], 0, row, 0, dim);
                double t = y[i] - mean;
                for (int p = 0; p <= dim; p++) {
                    b[p] += row[p] * t;
                    for (int q = 0; q <= p; q++) {
                        a[p][q] += row[p] * row[q];
                    }
                }
            }
            for (int p = 0; p <= dim; p++) {
                for (int q = 0; q < p; q++) {
                    a[q][p] = a[p][q];
                }
                a[p][p] += p < dim ? LAMBDA : 1e-6;
            }
            double[] w = Cholesky.solveSymmetric(a, b);
            for (int i = fold; i < n; i += FOLDS) {
                double s = mean + w[dim];
                for (int p = 0; p < dim; p++) {
                    s += w[p] * x[i][p];
                }
                prediction[i] = s;
            }
        }
        return prediction;
    }
}
