package dev.iccache.stats;

/**
 * Cholesky factorisation of a symmetric positive-definite matrix A = LLᵀ and the triangular
 * solves that use it (for the bandit's posterior and ridge regressions). Pivots below 1e-12 are
 * clamped, so a nearly singular matrix still factors.
 */
public final class Cholesky {
    private Cholesky() {
    }

    /** The lower-triangular L with A = LLᵀ. */
    public static double[][] factor(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    l[i][i] = Math.sqrt(Math.max(s, 1e-12));
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    /** y with Ly = b. */
    public static double[] forward(double[][] l, double[] b) {
        int n = b.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * y[k];
            }
            y[i] = s / l[i][i];
        }
        return y;
    }

    /** x with LLᵀx = b. */
    public static double[] solve(double[][] l, double[] b) {
        double[] y = forward(l, b);
        int n = y.length;
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }

    /** x with Ax = b, A symmetric positive definite. */
    public static double[] solveSymmetric(double[][] a, double[] b) {
        return solve(factor(a), b);
    }
}
