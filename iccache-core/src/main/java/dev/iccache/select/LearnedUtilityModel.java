package dev.iccache.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.stats.Cholesky;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The default {@link UtilityModel}: per target model, an additive model of what an example adds to
 * the judge's score, g(e) = w·x_e + u_{cluster(e)}, trained on exploration probes
 * (docs/selection.md): dense features shared by all examples, and one effect per cluster of the
 * bank ({@link BankClusters}) for what the examples of a region teach the model, or do not. A
 * probe's label is the judge's score of the answer with a set S of examples against the answer
 * without, over 3 (y in [−1, 1]); the model predicts y ≈ Σ_{e∈S} g(e), so a set's label is shared
 * by its examples in proportion to what they are predicted to add (additive credit; a probe of
 * several examples measures a larger effect against the same judge noise). The utility is
 * 0.5 + g/2, clamped to [0, 1].
 * <ul>
 * <li>Fitting: every {@link #REFIT_EVERY} labels (every label for the first 100), a few sweeps of
 * backfitting on the last {@link #BUFFER} probes: ridge regression for w (λ = {@link #RIDGE}), then
 * each cluster's effect shrunk toward 0 by empirical Bayes ({@link #shrinkage}): as far as the
 * noise of the labels against the spread of the effects asks, so that a few noisy probes of a
 * cluster say little.</li>
 * <li>Cold start: {@link SimilarityUtility} (the similarity top-k minus examples below the floor).</li>
 * <li>Hand-over by measured confidence: every label is first predicted by both the prior and the
 * learned model (prequential); the learned model scores once it has {@link #MIN_LABELS} labels and
 * its predictions correlate better with the labels than the prior's do (running correlations,
 * EMA weight {@link #ALPHA}, about the last 500 labels: what selection needs is the ranking), and
 * hands back if it falls behind again.</li>
 * </ul>
 * Checkpointed as JSON (the fitted model, the probes kept, counts and running correlations) and
 * reloaded on start.
 */
public final class LearnedUtilityModel implements UtilityModel {
    private static final System.Logger LOG = System.getLogger(LearnedUtilityModel.class.getName());
    static final double RIDGE = 1;
    static final double CLUSTER_RIDGE = 5;
    static final int MIN_LABELS = 50;
    static final int BUFFER = 10_000;
    static final int REFIT_EVERY = 10;
    static final int SWEEPS = 4;
    static final double ALPHA = 0.002;
    private static final int VERSION = 4;

    private final double floor;
    private final Map<String, Target> targets = new HashMap<>();

    /** A probe as learned: the summed dense features of its set, its examples' clusters, its label. */
    private record Probe(double[] features, int[] clusters, double label) {
    }

    private static final class Target {
        final int n = UtilityFeatures.NAMES.size();
        final List<Probe> probes = new ArrayList<>();
        int next;
        double[] weights = new double[n];
        Map<Integer, Double> clusterEffects = new HashMap<>();
        long labels;
        int sinceFit;
        final RunningCorrelation prior = new RunningCorrelation();
        final RunningCorrelation learned = new RunningCorrelation();

        boolean confident() {
            return labels >= MIN_LABELS && learned.value() > prior.value();
        }

        double gain(UtilityFeatures f) {
            return f.dot(weights) + clusterEffects.getOrDefault(f.cluster(), 0.0);
        }

        void add(Probe p) {
            if (probes.size() < BUFFER) {
                probes.add(p);
            } else {
                probes.set(next, p);
                next = (next + 1) % BUFFER;
            }
        }

        /** Backfitting: the dense ridge on what the cluster effects leave, then each cluster's shrunk effect. */
        void fit() {
            Map<Integer, List<Integer>> byCluster = new HashMap<>();
            for (int i = 0; i < probes.size(); i++) {
                for (int c : probes.get(i).clusters()) {
                    if (c >= 0) {
                        List<Integer> list = byCluster.computeIfAbsent(c, k -> new ArrayList<>());
                        if (list.isEmpty() || list.get(list.size() - 1) != i) {
                            list.add(i);
                        }
                    }
                }
            }
            Map<Integer, Double> effects = new HashMap<>(clusterEffects);
            effects.keySet().retainAll(byCluster.keySet());
            double[] w = weights;
            for (int sweep = 0; sweep < SWEEPS; sweep++) {
                double[][] a = new double[n][n];
                double[] b = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i][i] = RIDGE;
                }
                for (Probe p : probes) {
                    double target = p.label() - clusterSum(p, effects);
                    double[] x = p.features();
                    for (int i = 0; i < n; i++) {
                        b[i] += x[i] * target;
                        for (int j = 0; j <= i; j++) {
                            a[i][j] += x[i] * x[j];
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < i; j++) {
                        a[j][i] = a[i][j];
                    }
                }
                w = Cholesky.solveSymmetric(a, b);
                // Each cluster's raw effect from what the rest leaves, then empirical-Bayes shrinkage: the
                // spread of the true effects (method of moments) against the noise sets how far to trust them.
                Map<Integer, double[]> raw = new HashMap<>(); // cluster -> {sum of m * residual, sum of m^2}
                double noise = 0;
                for (Map.Entry<Integer, List<Integer>> e : byCluster.entrySet()) {
                    int c = e.getKey();
                    double own = effects.getOrDefault(c, 0.0);
                    double num = 0;
                    double den = 0;
                    for (int i : e.getValue()) {
                        Probe p = probes.get(i);
                        int m = 0;
                        for (int pc : p.clusters()) {
                            if (pc == c) {
                                m++;
                            }
                        }
                        double residual = p.label() - dot(w, p.features()) - clusterSum(p, effects) + m * own;
                        num += m * residual;
                        den += m * m;
                    }
                    raw.put(c, new double[] {num, den});
                }
                for (Probe p : probes) {
                    double r = p.label() - dot(w, p.features()) - clusterSum(p, effects);
                    noise += r * r;
                }
                noise /= Math.max(1, probes.size());
                double lambda = shrinkage(raw, noise);
                for (Map.Entry<Integer, double[]> e : raw.entrySet()) {
                    effects.put(e.getKey(), e.getValue()[0] / (e.getValue()[1] + lambda));
                }
            }
            weights = w;
            clusterEffects = effects;
            sinceFit = 0;
        }

        void remap(int[] mapping) {
            for (int i = 0; i < probes.size(); i++) {
                Probe p = probes.get(i);
                int[] clusters = p.clusters().clone();
                for (int k = 0; k < clusters.length; k++) {
                    clusters[k] = clusters[k] >= 0 && clusters[k] < mapping.length ? mapping[clusters[k]] : -1;
                }
                probes.set(i, new Probe(p.features(), clusters, p.label()));
            }
            clusterEffects = new HashMap<>();
            if (!probes.isEmpty()) {
                fit();
            }
        }
    }

    /**
     * The ridge of the cluster effects, σ²/τ²: σ² the labels' residual variance, τ² the variance
     * of the true effects, estimated as the spread of the raw per-cluster means beyond what their
     * sampling noise explains (method of moments); at least {@link #CLUSTER_RIDGE}, and effectively
     * infinite (no effects) when the raw means spread no more than noise would.
     */
    static double shrinkage(Map<Integer, double[]> raw, double noise) {
        double weight = 0;
        double mean = 0;
        for (double[] r : raw.values()) {
            weight += r[1];
            mean += r[0];
        }
        if (weight == 0) {
            return CLUSTER_RIDGE;
        }
        mean /= weight;
        double spread = 0;
        double sampling = 0;
        for (double[] r : raw.values()) {
            double m = r[0] / r[1];
            spread += r[1] * (m - mean) * (m - mean);
            sampling += noise;
        }
        spread /= weight;
        sampling /= weight;
        double tau2 = spread - sampling;
        return tau2 <= 0 ? 1e9 : Math.max(CLUSTER_RIDGE, noise / tau2);
    }

    private static double clusterSum(Probe p, Map<Integer, Double> effects) {
        double s = 0;
        for (int c : p.clusters()) {
            s += effects.getOrDefault(c, 0.0);
        }
        return s;
    }

    private static double dot(double[] w, double[] x) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] * x[i];
        }
        return s;
    }

    /** Exponentially weighted correlation of predictions with labels. */
    static final class RunningCorrelation {
        double mx;
        double my;
        double vx;
        double vy;
        double cxy;

        void add(double x, double y) {
            mx += ALPHA * (x - mx);
            my += ALPHA * (y - my);
            vx += ALPHA * ((x - mx) * (x - mx) - vx);
            vy += ALPHA * ((y - my) * (y - my) - vy);
            cxy += ALPHA * ((x - mx) * (y - my) - cxy);
        }

        double value() {
            return vx <= 0 || vy <= 0 ? 0 : cxy / Math.sqrt(vx * vy);
        }

        void write(ObjectNode o) {
            o.put("mx", mx).put("my", my).put("vx", vx).put("vy", vy).put("cxy", cxy);
        }

        void read(JsonNode o) {
            mx = o.path("mx").asDouble();
            my = o.path("my").asDouble();
            vx = o.path("vx").asDouble();
            vy = o.path("vy").asDouble();
            cxy = o.path("cxy").asDouble();
        }
    }

    /** @param floor the cold start's similarity floor ({@code selection.min-similarity}) */
    public LearnedUtilityModel(double floor) {
        this.floor = floor;
    }

    @Override
    public double score(UtilityFeatures f, String targetModel) {
        synchronized (this) {
            Target t = targets.get(targetModel);
            if (t != null && t.confident()) {
                return Math.max(0, Math.min(1, 0.5 + t.gain(f) / 2));
            }
        }
        return prior(f);
    }

    private double prior(UtilityFeatures f) {
        return SimilarityUtility.score(f.similarity(), floor);
    }

    /** Whether the learned model (not the prior) scores for this target now. */
    public synchronized boolean confident(String targetModel) {
        Target t = targets.get(targetModel);
        return t != null && t.confident();
    }

    @Override
    public synchronized void learn(List<UtilityFeatures> examples, String targetModel, double gain) {
        if (examples.isEmpty()) {
            return;
        }
        double label = 2 * Math.max(0, Math.min(1, gain)) - 1;
        Target t = targets.computeIfAbsent(targetModel, k -> new Target());
        double[] sum = new double[t.n];
        int[] clusters = new int[examples.size()];
        double prior = 0;
        double learned = 0;
        for (int k = 0; k < examples.size(); k++) {
            UtilityFeatures f = examples.get(k);
            double[] x = f.values();
            for (int i = 0; i < t.n; i++) {
                sum[i] += x[i];
            }
            clusters[k] = f.cluster();
            prior += 2 * (prior(f) - 0.5);
            learned += t.gain(f);
        }
        t.learned.add(learned, label);
        t.prior.add(prior, label);
        t.add(new Probe(sum, clusters, label));
        t.labels++;
        if (++t.sinceFit >= REFIT_EVERY || t.labels <= 100) {
            t.fit();
        }
    }

    @Override
    public synchronized void clustersChanged(int[] mapping) {
        targets.values().forEach(t -> t.remap(mapping));
    }

    /** Labels learned for a target model. */
    public synchronized long labels(String targetModel) {
        Target t = targets.get(targetModel);
        return t == null ? 0 : t.labels;
    }

    /** Writes the model atomically (temporary file, then rename). */
    @Override
    public void save(Path file) {
        ObjectNode root = Json.object();
        root.put("version", VERSION);
        ArrayNode names = root.putArray("features");
        UtilityFeatures.NAMES.forEach(names::add);
        ObjectNode models = root.putObject("targets");
        synchronized (this) {
            targets.forEach((name, t) -> {
                ObjectNode m = models.putObject(name);
                m.put("labels", t.labels);
                m.put("since_fit", t.sinceFit);
                t.prior.write(m.putObject("prior_correlation"));
                t.learned.write(m.putObject("learned_correlation"));
                ArrayNode w = m.putArray("weights");
                for (double v : t.weights) {
                    w.add(v);
                }
                ObjectNode effects = m.putObject("cluster_effects");
                t.clusterEffects.forEach((c, v) -> effects.put(Integer.toString(c), v));
                ArrayNode probes = m.putArray("probes");
                for (int i = 0; i < t.probes.size(); i++) {
                    Probe p = t.probes.get((t.next + i) % t.probes.size());
                    ObjectNode o = probes.addObject();
                    o.put("label", p.label());
                    ArrayNode x = o.putArray("features");
                    for (double v : p.features()) {
                        x.add(v);
                    }
                    ArrayNode c = o.putArray("clusters");
                    for (int v : p.clusters()) {
                        c.add(v);
                    }
                }
            });
        }
        Json.writeAtomically(file, root);
    }

    /**
     * A model from a checkpoint, or a fresh one when the file does not exist. A checkpoint with
     * another version or feature layout is ignored (logged): the model starts again from the prior.
     */
    public static LearnedUtilityModel load(Path file, double floor) {
        LearnedUtilityModel model = new LearnedUtilityModel(floor);
        Optional<JsonNode> state = Json.readState(file, "utility model checkpoint", "start from the prior");
        if (state.isEmpty()) {
            return model;
        }
        JsonNode root = state.get();
        List<String> names = new ArrayList<>();
        root.path("features").forEach(n -> names.add(n.asText()));
        if (root.path("version").asInt() != VERSION || !names.equals(UtilityFeatures.NAMES)) {
            LOG.log(Level.WARNING, "utility model checkpoint {0} is of another version or layout; starting from the "
                    + "prior", file);
            return model;
        }
        root.path("targets").fields().forEachRemaining(e -> {
            Target t = new Target();
            JsonNode m = e.getValue();
            t.labels = m.path("labels").asLong();
            t.prior.read(m.path("prior_correlation"));
            t.learned.read(m.path("learned_correlation"));
            for (JsonNode o : m.path("probes")) {
                double[] x = new double[t.n];
                for (int i = 0; i < t.n; i++) {
                    x[i] = o.path("features").path(i).asDouble();
                }
                int[] clusters = new int[o.path("clusters").size()];
                for (int i = 0; i < clusters.length; i++) {
                    clusters[i] = o.path("clusters").path(i).asInt();
                }
                t.add(new Probe(x, clusters, o.path("label").asDouble()));
            }
            t.sinceFit = m.path("since_fit").asInt();
            for (int i = 0; i < t.n; i++) {
                t.weights[i] = m.path("weights").path(i).asDouble();
            }
            m.path("cluster_effects").fields().forEachRemaining(c -> t.clusterEffects.put(Integer.parseInt(c.getKey()),
                    c.getValue().asDouble()));
            model.targets.put(e.getKey(), t);
        });
        return model;
    }
}
