package dev.iccache.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Quality of the hit test "the nearest neighbour's similarity is at least t" when a neighbour
 * with the same label is the same request (banking77: the same intent). Per query: a hit is
 * correct if the neighbour has the query's label, wrong otherwise.
 * <ul>
 * <li>precision = correct hits / hits (NaN without hits);
 * <li>recall = correct hits / queries that have a same-label item to find;
 * <li>F1 = 2·precision·recall / (precision + recall) (0 without correct hits);
 * <li>false-hit rate = wrong hits / all queries (the share of requests that would get another
 * request's answer).
 * </ul>
 */
public final class HitMetrics {
    private HitMetrics() {
    }

    /** The hit test at one threshold. */
    public record Row(double threshold, long queries, long hits, long correct, long wrong, double precision,
            double recall, double f1, double falseHitRate) {
    }

    /**
     * @param similarity per query, its nearest neighbour's similarity
     * @param sameLabel  per query, whether that neighbour has the query's label
     * @param positives  queries that have at least one same-label item to find
     */
    public static Row at(double[] similarity, boolean[] sameLabel, long positives, double threshold) {
        if (similarity.length != sameLabel.length || similarity.length == 0) {
            throw new IllegalArgumentException("one similarity and one label match per query, at least one query");
        }
        long correct = 0;
        long wrong = 0;
        for (int i = 0; i < similarity.length; i++) {
            if (similarity[i] >= threshold) {
                if (sameLabel[i]) {
                    correct++;
                } else {
                    wrong++;
                }
            }
        }
        long hits = correct + wrong;
        double precision = hits == 0 ? Double.NaN : (double) correct / hits;
        double recall = positives == 0 ? Double.NaN : (double) correct / positives;
        double f1 = correct == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new Row(threshold, similarity.length, hits, correct, wrong, precision, recall, f1,
                (double) wrong / similarity.length);
    }

    /** The rows at thresholds 0, 1/steps, …, 1. */
    public static List<Row> sweep(double[] similarity, boolean[] sameLabel, long positives, int steps) {
        List<Row> rows = new ArrayList<>(steps + 1);
        for (int i = 0; i <= steps; i++) {
            rows.add(at(similarity, sameLabel, positives, Math.round(1e6 * i / steps) / 1e6));
        }
        return rows;
    }

    /** The row with the highest F1 (the higher threshold on a tie). */
    public static Row bestF1(List<Row> rows) {
        return rows.stream().max(Comparator.comparingDouble(Row::f1).thenComparingDouble(Row::threshold))
                .orElseThrow();
    }
}
