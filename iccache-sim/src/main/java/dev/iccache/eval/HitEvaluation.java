package dev.iccache.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.embed.Embedder;
import dev.iccache.eval.HitMetrics.Row;
import dev.iccache.eval.NearestNeighbours.Neighbour;
import dev.iccache.workload.TextRecord;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * R3 (docs/evaluation.md): when is a retrieved neighbour "the same request"? The hit test
 * "nearest neighbour's cosine ≥ t" is scored against labels (same label = same request) across
 * thresholds, with the production embedder and store.
 */
public final class HitEvaluation {
    /** Thresholds 0, 0.01, …, 1. */
    static final int STEPS = 100;
    /** Precision the second reported threshold is tuned for (a cache that returns answers needs few wrong hits). */
    public static final double TARGET_PRECISION = 0.95;

    private final Embedder embedder;
    private final NearestNeighbours neighbours;
    private final PrintWriter log;

    public HitEvaluation(Embedder embedder, NearestNeighbours neighbours, PrintWriter log) {
        this.embedder = embedder;
        this.neighbours = neighbours;
        this.log = log;
    }

    /**
     * A bank and separate queries (banking77: train and test). Unless a threshold is given, the
     * chosen one maximises F1 of leave-one-out hits inside the bank, so the queries never tune it.
     */
    public ObjectNode split(String dataset, List<TextRecord> bank, List<TextRecord> queries,
            OptionalDouble threshold) {
        log.printf("%s: bank %d, queries %d%n", dataset, bank.size(), queries.size());
        List<float[]> bankVectors = RequestEmbeddings.embed(embedder, texts(bank), log);
        List<float[]> queryVectors = RequestEmbeddings.embed(embedder, texts(queries), log);
        log.println("  tuning thresholds: leave-one-out inside the bank...");
        Neighbour[] loo = neighbours.nearestOther(bankVectors);
        List<Row> tuning = HitMetrics.sweep(SimilarityEvaluation.similarities(loo), same(bank, bank, loo),
                positivesWithin(bank), STEPS);
        double t = threshold.orElse(HitMetrics.bestF1(tuning).threshold());
        String chosenBy = threshold.isPresent() ? "given"
                : "highest F1 of leave-one-out hits inside the bank (the queries do not tune it)";
        log.println("  nearest bank entry of each query (store)...");
        Neighbour[] found = neighbours.nearestIn(bankVectors, queryVectors);
        ObjectNode root = report(dataset, "bank = the first file, queries = the second; each query's nearest bank"
                + " entry", SimilarityEvaluation.similarities(found), same(queries, bank, found),
                positivesAgainst(queries, bank), t, chosenBy, lowestWithPrecision(tuning),
                "lowest threshold whose leave-one-out precision inside the bank is at least " + TARGET_PRECISION);
        root.put("n_bank", bank.size());
        return root;
    }

    /**
     * One labelled list, each record's nearest other record. Unless a threshold is given, the
     * chosen one maximises F1 on the same data (tuned in sample, an optimistic choice).
     */
    public ObjectNode leaveOneOut(String dataset, List<TextRecord> records, OptionalDouble threshold) {
        log.printf("%s: %d labelled requests%n", dataset, records.size());
        List<float[]> vectors = RequestEmbeddings.embed(embedder, texts(records), log);
        log.println("  nearest other request (store)...");
        Neighbour[] found = neighbours.nearestOther(vectors);
        double[] sim = SimilarityEvaluation.similarities(found);
        boolean[] same = same(records, records, found);
        long positives = positivesWithin(records);
        List<Row> rows = HitMetrics.sweep(sim, same, positives, STEPS);
        double t = threshold.orElse(HitMetrics.bestF1(rows).threshold());
        return report(dataset, "leave-one-out: each request's nearest other request", sim, same, positives, t,
                threshold.isPresent() ? "given" : "highest F1 on the same data (tuned in sample)",
                lowestWithPrecision(rows), "lowest threshold whose precision on the same data is at least "
                        + TARGET_PRECISION + " (tuned in sample)");
    }

    /** The lowest threshold of the rows whose precision reaches {@link #TARGET_PRECISION}, if any. */
    static OptionalDouble lowestWithPrecision(List<Row> rows) {
        return rows.stream().filter(r -> r.precision() >= TARGET_PRECISION).mapToDouble(Row::threshold).min();
    }

    private static ObjectNode report(String dataset, String protocol, double[] sim, boolean[] same, long positives,
            double chosen, String chosenBy, OptionalDouble precise, String preciseBy) {
        ObjectNode root = Json.object();
        root.put("dataset", dataset);
        root.put("protocol", protocol);
        root.put("n_queries", sim.length);
        root.put("queries_with_a_same_label_item", positives);
        root.put("hit_test", "nearest neighbour's cosine >= threshold (production embedder and LuceneExampleStore)");
        root.put("definitions", "precision = correct hits / hits; recall = correct hits / queries with a"
                + " same-label item; f1 = harmonic mean; false_hit_rate = wrong hits / all queries");
        ObjectNode c = root.putObject("chosen");
        c.put("chosen_by", chosenBy);
        row(c, HitMetrics.at(sim, same, positives, chosen));
        ObjectNode p = root.putObject("at_target_precision");
        p.put("target_precision", TARGET_PRECISION);
        p.put("chosen_by", preciseBy);
        if (precise.isPresent()) {
            row(p, HitMetrics.at(sim, same, positives, precise.getAsDouble()));
        } else {
            p.putNull("threshold");
        }
        ObjectNode dedup = root.putObject("at_bank_dedup_threshold");
        row(dedup, HitMetrics.at(sim, same, positives, 0.98));
        ArrayNode rows = root.putArray("thresholds");
        HitMetrics.sweep(sim, same, positives, STEPS).forEach(r -> row(rows.addObject(), r));
        return root;
    }

    private static void row(ObjectNode o, Row r) {
        EvalJson.put(o, "threshold", r.threshold());
        EvalJson.put(o, "precision", r.precision());
        EvalJson.put(o, "recall", r.recall());
        EvalJson.put(o, "f1", r.f1());
        EvalJson.put(o, "false_hit_rate", r.falseHitRate());
        o.put("hits", r.hits());
        o.put("correct_hits", r.correct());
        o.put("wrong_hits", r.wrong());
    }

    private static List<String> texts(List<TextRecord> records) {
        return records.stream().map(TextRecord::text).toList();
    }

    private static boolean[] same(List<TextRecord> queries, List<TextRecord> bank, Neighbour[] found) {
        boolean[] same = new boolean[queries.size()];
        for (int i = 0; i < same.length; i++) {
            int j = found[i].index();
            same[i] = j >= 0 && label(bank.get(j)).equals(label(queries.get(i)));
        }
        return same;
    }

    private static long positivesWithin(List<TextRecord> records) {
        Map<String, Integer> counts = counts(records);
        return records.stream().filter(r -> counts.get(label(r)) > 1).count();
    }

    private static long positivesAgainst(List<TextRecord> queries, List<TextRecord> bank) {
        Map<String, Integer> counts = counts(bank);
        return queries.stream().filter(r -> counts.containsKey(label(r))).count();
    }

    private static Map<String, Integer> counts(List<TextRecord> records) {
        Map<String, Integer> counts = new HashMap<>();
        records.forEach(r -> counts.merge(label(r), 1, Integer::sum));
        return counts;
    }

    private static String label(TextRecord r) {
        Optional<String> l = r.label();
        return l.orElseThrow(() -> new IllegalArgumentException("a record has no label: " + r.text()));
    }
}
