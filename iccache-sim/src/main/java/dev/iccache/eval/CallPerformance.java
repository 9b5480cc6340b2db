package dev.iccache.eval;

import java.util.Comparator;
import java.util.List;

/**
 * RouteLLM's routing metrics (Ong et al. 2024, §3.2, and {@code routellm/evals/evaluate.py}) over a
 * call-performance curve: points (share of calls to the strong model, mean quality of the routed
 * answers).
 * <ul>
 * <li>PGR(q) = (q − q_weak) / (q_strong − q_weak).
 * <li>APGR: the trapezoid area under quality over strong share (points sorted by share), minus the
 * weak model's area, over the strong model's minus the weak model's area over the same span;
 * exactly {@code evaluate.py}'s {@code apgr_metric}. For a curve spanning shares 0..1 this is the
 * area under PGR.
 * <li>CPT(x): the smallest strong share at which the linearly interpolated curve reaches
 * PGR x; the last point's share if it never does (as {@code np.interp} clamps).
 * </ul>
 */
public final class CallPerformance {
    private CallPerformance() {
    }

    /** One point of the curve: share of strong calls in [0, 1] and the mean quality it gives. */
    public record Point(double strongShare, double quality) {
    }

    /** Performance gap recovered by a quality. */
    public static double pgr(double quality, double weak, double strong) {
        check(weak, strong);
        return (quality - weak) / (strong - weak);
    }

    /** Average performance gap recovered (RouteLLM's APGR). */
    public static double apgr(List<Point> curve, double weak, double strong) {
        check(weak, strong);
        List<Point> c = sorted(curve);
        double area = 0;
        for (int i = 1; i < c.size(); i++) {
            Point a = c.get(i - 1);
            Point b = c.get(i);
            area += (b.strongShare() - a.strongShare()) * (a.quality() + b.quality()) / 2;
        }
        double width = c.get(c.size() - 1).strongShare() - c.get(0).strongShare();
        if (!(width > 0)) {
            throw new IllegalArgumentException("the curve must span more than one strong share");
        }
        return (area - weak * width) / ((strong - weak) * width);
    }

    /** Call-performance threshold: the strong share needed to reach a PGR (0.5 for CPT(50%)). */
    public static double cpt(List<Point> curve, double weak, double strong, double targetPgr) {
        check(weak, strong);
        double target = weak + targetPgr * (strong - weak);
        double sign = Math.signum(strong - weak);
        List<Point> c = sorted(curve);
        Point first = c.get(0);
        if ((first.quality() - target) * sign >= 0) {
            return first.strongShare();
        }
        for (int i = 1; i < c.size(); i++) {
            Point a = c.get(i - 1);
            Point b = c.get(i);
            if ((b.quality() - target) * sign >= 0) {
                double t = (target - a.quality()) / (b.quality() - a.quality());
                return a.strongShare() + t * (b.strongShare() - a.strongShare());
            }
        }
        return c.get(c.size() - 1).strongShare();
    }

    private static List<Point> sorted(List<Point> curve) {
        if (curve.size() < 2) {
            throw new IllegalArgumentException("a call-performance curve needs at least two points");
        }
        return curve.stream().sorted(Comparator.comparingDouble(Point::strongShare)).toList();
    }

    private static void check(double weak, double strong) {
        if (weak == strong || Double.isNaN(weak) || Double.isNaN(strong)) {
            throw new IllegalArgumentException("strong and weak quality must differ (got " + strong + " and " + weak
                    + "): the performance gap is undefined");
        }
    }
}
