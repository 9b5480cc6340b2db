package dev.iccache.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a set of operating points (mean cost, mean quality) can achieve when the operator may mix
 * any two of them at random: their upper concave hull from the cheapest point to the best one.
 */
public final class CostQualityFrontier {
    /** An operating point. */
    public record Point(double cost, double quality) {
    }

    private final List<Point> hull;

    public CostQualityFrontier(List<Point> points) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no points");
        }
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingDouble(Point::cost).thenComparing(Comparator.comparingDouble(Point::quality)
                .reversed()));
        List<Point> h = new ArrayList<>();
        for (Point p : sorted) {
            if (!h.isEmpty() && p.quality() <= h.get(h.size() - 1).quality()) {
                continue; // no better than a cheaper point
            }
            while (h.size() >= 2 && !concave(h.get(h.size() - 2), h.get(h.size() - 1), p)) {
                h.remove(h.size() - 1);
            }
            h.add(p);
        }
        hull = List.copyOf(h);
    }

    /** The hull's corners, cheapest first. */
    public List<Point> corners() {
        return hull;
    }

    /** The best quality reachable at a mean cost; NaN below the cheapest point. */
    public double qualityAt(double cost) {
        if (cost < hull.get(0).cost()) {
            return Double.NaN;
        }
        for (int i = 1; i < hull.size(); i++) {
            Point a = hull.get(i - 1);
            Point b = hull.get(i);
            if (cost <= b.cost()) {
                return a.quality() + (cost - a.cost()) / (b.cost() - a.cost()) * (b.quality() - a.quality());
            }
        }
        return hull.get(hull.size() - 1).quality();
    }

    /** The lowest mean cost that reaches a quality; NaN above the best point. */
    public double costFor(double quality) {
        if (quality <= hull.get(0).quality()) {
            return hull.get(0).cost();
        }
        for (int i = 1; i < hull.size(); i++) {
            Point a = hull.get(i - 1);
            Point b = hull.get(i);
            if (quality <= b.quality()) {
                return a.cost() + (quality - a.quality()) / (b.quality() - a.quality()) * (b.cost() - a.cost());
            }
        }
        return Double.NaN;
    }

    /** Whether b lies strictly above the segment from a to c. */
    private static boolean concave(Point a, Point b, Point c) {
        double cross = (b.cost() - a.cost()) * (c.quality() - a.quality())
                - (b.quality() - a.quality()) * (c.cost() - a.cost());
        return cross < 0;
    }
}
