package dev.iccache.eval;

import dev.iccache.bank.Vectors;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.embed.Embedder;
import dev.iccache.eval.NearestNeighbours.Neighbour;
import dev.iccache.workload.TextRecord;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * R1 (docs/evaluation.md): how many requests have a semantically similar request, measured with
 * the production embedder and store. "Other" mode: each request's nearest other request of the
 * whole data set (IC-Cache's measure). "Earlier" mode: its nearest earlier request in stream order
 * (what a cache that stored every request could use).
 */
public final class SimilarityEvaluation {
    /** Thresholds reported as fractions. */
    static final double[] THRESHOLDS = {0.7, 0.8, 0.9};
    /** Subsample sizes for the growth curve (fractions of the data set). */
    static final double[] GROWTH = {0.1, 0.25, 0.5};

    /** Which neighbours to measure. */
    public enum Mode {
        OTHER, EARLIER, BOTH
    }

    /**
     * @param mode         which neighbours
     * @param growth       also measure "other" mode on seeded random subsamples of 10%, 25%, 50%
     * @param seed         seed of the subsamples and of the exact-check sample
     * @param earlierBlock requests per store commit in earlier mode
     * @param exactCheck   requests whose store neighbour is checked against an exact scan
     */
    public record Settings(Mode mode, boolean growth, long seed, int earlierBlock, int exactCheck) {
        public static final Settings DEFAULT = new Settings(Mode.BOTH, true, 42, 1000, 500);
    }

    private final Embedder embedder;
    private final NearestNeighbours neighbours;
    private final PrintWriter log;

    public SimilarityEvaluation(Embedder embedder, NearestNeighbours neighbours, PrintWriter log) {
        this.embedder = embedder;
        this.neighbours = neighbours;
        this.log = log;
    }

    /** Runs the evaluation on the records (in stream order) and returns its JSON. */
    public ObjectNode run(String dataset, List<TextRecord> records, Settings s) {
        List<String> texts = records.stream().map(TextRecord::text).toList();
        log.printf("%s: %d requests%n", dataset, texts.size());
        List<float[]> vectors = RequestEmbeddings.embed(embedder, texts, log);
        ObjectNode root = Json.object();
        root.put("dataset", dataset);
        root.put("n", texts.size());
        root.put("embedder", "all-MiniLM-L6-v2 int8, in process (Embedders.create(EmbedderSettings.DEFAULT))");
        root.put("store", "LuceneExampleStore (HNSW, dot product), top-" + NearestNeighbours.SEARCH_K
                + " search per request");
        root.put("text", "EmbeddingText of a one-message request: the user text, whitespace collapsed,"
                + " first 360 characters");
        root.put("identical_embedded_texts", identicalTexts(texts));
        if (s.mode() != Mode.EARLIER) {
            log.println("  nearest other request (store)...");
            Neighbour[] other = neighbours.nearestOther(vectors);
            root.put("mode", "other");
            summarise(root, other);
            root.set("store_check", exactCheck(vectors, other, s, false));
            if (s.growth()) {
                root.set("growth", growth(vectors, other, s));
            }
        }
        if (s.mode() != Mode.OTHER) {
            log.println("  nearest earlier request (store, stream order)...");
            Neighbour[] earlier = neighbours.nearestEarlier(vectors, s.earlierBlock());
            ObjectNode e = s.mode() == Mode.EARLIER ? root : root.putObject("earlier");
            e.put("mode", "earlier");
            summarise(e, earlier);
            e.set("store_check", exactCheck(vectors, earlier, s, true));
        }
        return root;
    }

    private static void summarise(ObjectNode o, Neighbour[] neighbours) {
        SimilarityStats stats = new SimilarityStats(similarities(neighbours));
        put(o, stats);
        EvalJson.put(o, "median", stats.quantile(0.5));
        EvalJson.put(o, "p10", stats.quantile(0.1));
        EvalJson.put(o, "p90", stats.quantile(0.9));
        ArrayNode cdf = o.putArray("cdf");
        for (double[] p : stats.cdfPoints()) {
            ArrayNode row = cdf.addArray();
            EvalJson.add(row, p[0]);
            EvalJson.add(row, p[1]);
        }
    }

    private static void put(ObjectNode o, SimilarityStats stats) {
        for (double t : THRESHOLDS) {
            EvalJson.put(o, "fraction_ge_" + Double.toString(t).replace('.', '_'), stats.fractionAtLeast(t));
        }
    }

    static double[] similarities(Neighbour[] neighbours) {
        return Arrays.stream(neighbours).mapToDouble(Neighbour::similarity).toArray();
    }

    /** Requests whose embedded text (clipped, see {@link RequestEmbeddings}) occurs more than once. */
    private static int identicalTexts(List<String> texts) {
        Map<String, Integer> counts = new HashMap<>();
        texts.forEach(t -> counts.merge(RequestEmbeddings.embeddingText(t), 1, Integer::sum));
        return counts.values().stream().filter(c -> c > 1).mapToInt(Integer::intValue).sum();
    }

    /** The store's neighbour against an exact scan, on a seeded sample of requests. */
    private ObjectNode exactCheck(List<float[]> vectors, Neighbour[] found, Settings s, boolean earlierOnly) {
        int n = vectors.size();
        int[] sample = sample(n, Math.min(s.exactCheck(), n), s.seed());
        int agree = 0;
        double worst = 0;
        for (int i : sample) {
            double exact = Double.NEGATIVE_INFINITY;
            int end = earlierOnly ? i : n;
            for (int j = 0; j < end; j++) {
                if (j != i) {
                    exact = Math.max(exact, Vectors.dot(vectors.get(i), vectors.get(j)));
                }
            }
            double diff = exact == Double.NEGATIVE_INFINITY && found[i].similarity() == exact ? 0
                    : Math.abs(exact - found[i].similarity());
            agree += diff <= 1e-4 ? 1 : 0;
            worst = Math.max(worst, diff);
        }
        ObjectNode o = Json.object();
        o.put("sample", sample.length);
        EvalJson.put(o, "agrees_with_exact", sample.length == 0 ? Double.NaN : (double) agree / sample.length);
        EvalJson.put(o, "largest_difference", worst);
        return o;
    }

    /** "Other" mode on seeded random subsamples, with the full data set as the last row. */
    private ArrayNode growth(List<float[]> vectors, Neighbour[] full, Settings s) {
        ArrayNode rows = Json.MAPPER.createArrayNode();
        for (double f : GROWTH) {
            int k = (int) Math.round(f * vectors.size());
            if (k < 2) {
                continue;
            }
            int[] idx = sample(vectors.size(), k, s.seed());
            Arrays.sort(idx);
            List<float[]> sub = new ArrayList<>(k);
            for (int i : idx) {
                sub.add(vectors.get(i));
            }
            log.printf("  growth: %d%% subsample (%d requests)...%n", Math.round(f * 100), k);
            growthRow(rows, f, new SimilarityStats(similarities(neighbours.nearestOther(sub))));
        }
        growthRow(rows, 1.0, new SimilarityStats(similarities(full)));
        return rows;
    }

    private static void growthRow(ArrayNode rows, double fraction, SimilarityStats stats) {
        ObjectNode r = rows.addObject();
        r.put("fraction", fraction);
        r.put("n", stats.n());
        put(r, stats);
        EvalJson.put(r, "median", stats.quantile(0.5));
    }

    /** k distinct indices of 0..n−1, seeded (a partial Fisher-Yates shuffle). */
    static int[] sample(int n, int k, long seed) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return Arrays.copyOf(all, k);
    }
}
