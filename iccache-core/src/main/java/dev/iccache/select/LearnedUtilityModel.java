package dev.iccache.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.stats.Cholesky;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The default {@link UtilityModel}: per target model, an additive model of what an example adds to
 * the judge's score, g(e) = w·x_e + u_{cluster(e)} + v_e, trained on exploration probes
 * (docs/selection.md): dense features shared by all examples, one effect per cluster of the bank
 * ({@link BankClusters}) for what the examples of a region teach the model, or do not, and one
 * effect per example for what only evidence about that example shows (its own teaching value). A
 * probe's label is the judge's score of the answer with a set S of examples against the answer
 * with another set T (empty: without examples), over 3 (y in [−1, 1]); the model predicts
 * y ≈ Σ_{e∈S} g(e) − Σ_{e∈T} g(e), so a label is shared by the examples in proportion to what
 * they are predicted to add (additive credit; a probe of several examples measures a larger
 * effect against the same judge noise). The utility is 0.5 + g/2, clamped to [0, 1].
 * <ul>
 * <li>Fitting: every {@link #REFIT_EVERY} labels (every label for the first 100), a few sweeps of
 * backfitting on the last {@link #BUFFER} probes: ridge regression for w (λ = {@link #RIDGE}), then
 * each cluster's and then each example's effect, shrunk toward 0 by empirical Bayes
 * ({@link #shrinkage}): as far as the noise of the labels against the spread of the effects asks,
 * so that a few noisy probes of a cluster or an example say little. The noise is what the rest of
 * the model leaves without that kind of effect: the fit's own residuals understate it while few
 * probes per key let the effects absorb it, and then labels that say nothing gave most probed
 * examples an effect (on banking77 with a real small model, 1,868 after 300 probes, which cut the
 * label matches of the chosen five from 3.8 to 3.4).</li>
 * <li>A cluster's effect stays at its centre until it is clear: at least {@link #TRUSTED_SDS}
 * posterior standard deviations from it. A cluster's effect does not
 * depend on the request: it moves all of a region's candidates for every request that retrieves
 * them, and the similarity prior's slope is small (0.2 over the cosine), so a noise-sized effect
 * reorders candidates. On banking77 with a real small model, where an example helps only the
 * questions of its own intent, the shrunk but untrusted effects of 300 probes cut the label matches
 * of the chosen five from 3.9 to 3.5 (docs/evaluation.md, R4). An example's own effect is scored
 * as fitted: gating it too lost most of the simulated gain, which rests on examples' own
 * teaching value.</li>
 * <li>A cold start that does no harm: the dense weights are a ridge regression centred on the
 * weights of the similarity prior ({@link SimilarityUtility}: 0.5 + slope · (similarity − floor) is
 * g = 2 · slope · (similarity − floor), linear in the features), not on zero, so a model with no
 * labels scores exactly as the prior does, and the labels move it away from the prior as far as
 * they ask; the effects start at zero and are shrunk as above. There is no hand-over to switch:
 * a switch on the prequential correlations of the two (tried) was noise at a few thousand labels
 * and left the prior in charge at 8,000 labels on one seed of five.</li>
 * </ul>
 * Checkpointed as JSON (the fitted model, the probes kept and counts) and
 * reloaded on start; shared with other gateways without the probes ({@link #shared}, {@link #adopt}).
 */
public final class LearnedUtilityModel implements UtilityModel {
    private static final System.Logger LOG = System.getLogger(LearnedUtilityModel.class.getName());
    static final double RIDGE = 1;
    static final double MIN_EFFECT_RIDGE = 5;
    static final int BUFFER = 10_000;
    static final int REFIT_EVERY = 10;
    static final int SWEEPS = 4;
    /**
     * Standard deviations beyond which evidence is trusted: a cluster's effect leaves its centre
     * ({@link Effects#refit}), and a kind of effects is fitted at all ({@link #shrinkage}).
     */
    static final double TRUSTED_SDS = 2;
    private static final int VERSION = 9;
    /**
     * Version 4 had no per-example effects (its probes are read with no example ids); versions 4
     * and 5 fitted the dense weights toward zero; version 7 added the centre of a fit adopted from
     * another gateway; version 8 holds cluster effects at their centre until they are clear;
     * version 9 shrinks both kinds of effects by the noise without them. Checkpoints of an older
     * version are refitted from their probes on load.
     */
    private static final int OLDEST_READABLE = 4;

    private final double[] prior;
    private final Map<String, Target> targets = new HashMap<>();

    /**
     * Keys of one kind (clusters as Integer, example ids as String) in a probe, each with its net
     * count: +1 per example of the set, −1 per example of the set it was compared against (keys
     * that cancel out are left out, as are examples in no cluster and unknown ids).
     */
    private record Keys(Object[] keys, int[] counts) {
        static Keys of(List<?> with, List<?> against) {
            Map<Object, Integer> net = new LinkedHashMap<>();
            with.forEach(k -> net.merge(k, 1, Integer::sum));
            against.forEach(k -> net.merge(k, -1, Integer::sum));
            return of(net);
        }

        /** From net counts by key; keys whose counts cancel out are left out. */
        private static Keys of(Map<Object, Integer> net) {
            net.values().removeIf(c -> c == 0);
            return new Keys(net.keySet().toArray(), net.values().stream().mapToInt(Integer::intValue).toArray());
        }

        /** These keys renamed by {@code rename} (null: dropped), counts of keys renamed alike merged. */
        Keys map(Function<Object, Object> rename) {
            Map<Object, Integer> net = new LinkedHashMap<>();
            for (int i = 0; i < keys.length; i++) {
                Object k = rename.apply(keys[i]);
                if (k != null) {
                    net.merge(k, counts[i], Integer::sum);
                }
            }
            return of(net);
        }

        void write(ArrayNode keyArray, ArrayNode countArray) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] instanceof Integer c) {
                    keyArray.add(c);
                } else {
                    keyArray.add((String) keys[i]);
                }
                countArray.add(counts[i]);
            }
        }

        /** Read back ({@code key} null: dropped); a checkpoint of version 4 has no counts: each key counted once. */
        static Keys read(JsonNode keyArray, JsonNode countArray, Function<JsonNode, Object> key) {
            Map<Object, Integer> net = new LinkedHashMap<>();
            for (int i = 0; i < keyArray.size(); i++) {
                Object k = key.apply(keyArray.path(i));
                if (k != null) {
                    net.merge(k, countArray.isMissingNode() ? 1 : countArray.path(i).asInt(), Integer::sum);
                }
            }
            return of(net);
        }
    }

    /**
     * A probe as learned: the summed dense features of its set minus those of the set it was
     * compared against, its clusters and examples with their net counts, its label.
     */
    private record Probe(double[] features, Keys clusters, Keys examples, double label) {
    }

    /**
     * One kind of random effect, a value per key (a cluster of the bank, an example), fitted by
     * backfitting on what the rest of the model leaves and shrunk by empirical Bayes toward its
     * centre: 0, or the effect of a fit adopted from another gateway ({@link #adopt}).
     */
    private static final class Effects {
        private final Function<Probe, Keys> keysOf;
        /** Whether a key's effect stays at its centre until it is clear ({@link #refit}). */
        private final boolean gated;
        Map<Object, Double> values = new HashMap<>();
        /** Where each key's effect is shrunk to (absent: 0); a key without probes keeps its centre. */
        Map<Object, Double> centre = Map.of();

        Effects(Function<Probe, Keys> keysOf, boolean gated) {
            this.keysOf = keysOf;
            this.gated = gated;
        }

        double of(Object key) {
            return values.getOrDefault(key, 0.0);
        }

        double centre(Object key) {
            return centre.getOrDefault(key, 0.0);
        }

        /** Centred on the effects fitted now (adopting a fit). */
        void centreOnFit() {
            centre = Map.copyOf(values);
        }

        /** The probe's share of the effects. */
        double sum(Probe p) {
            return sum(p, this::of);
        }

        /** The probe's keys' {@code value}s, each times its net count. */
        private double sum(Probe p, ToDoubleFunction<Object> value) {
            Keys k = keysOf.apply(p);
            double s = 0;
            for (int i = 0; i < k.keys().length; i++) {
                s += k.counts()[i] * value.applyAsDouble(k.keys()[i]);
            }
            return s;
        }

        /**
         * Refits every key's effect on what the rest of the model leaves, one key at a time
         * (Gauss-Seidel): a key's effect is its probes' residuals besides its own effect (a key
         * with net count m in a probe takes m shares), shrunk by {@link #shrinkage}, and each new
         * effect changes its probes' residuals before the next key is refitted. Refitting every
         * key from the same residuals at once (Jacobi) overshoots when a probe holds many keys, as
         * a set against a set does: each key takes up the whole residual its probes share. When
         * gated, a key's effect stays at its centre unless the fitted one lies at least
         * {@link #TRUSTED_SDS} posterior standard deviations, √(σ² / (Σ m² + λ)), from it. Held in
         * the fit as well as in scoring, so that the rest of the model is fitted to the effects it
         * is scored with. σ², for the shrinkage and the gate, is what the rest leaves without these
         * effects (at their centres): the fit's own residuals understate the noise while a few
         * probes per key let the effects absorb it.
         */
        void refit(List<Probe> probes, ToDoubleFunction<Probe> rest) {
            double[] residuals = new double[probes.size()];
            Map<Object, List<int[]>> occurrences = new LinkedHashMap<>(); // key -> {probe index, net count}
            // key -> {sum of m * what the rest leaves without these effects, sum of m^2}: the shrinkage's raw means
            Map<Object, double[]> raw = new HashMap<>();
            double noise = 0; // what the rest leaves without these effects
            for (int i = 0; i < residuals.length; i++) {
                Probe p = probes.get(i);
                double left = p.label() - rest.applyAsDouble(p);
                double withoutThese = left - sum(p, this::centre);
                noise += withoutThese * withoutThese;
                residuals[i] = left - sum(p);
                Keys keys = keysOf.apply(p);
                for (int j = 0; j < keys.keys().length; j++) {
                    Object k = keys.keys()[j];
                    int m = keys.counts()[j];
                    occurrences.computeIfAbsent(k, x -> new ArrayList<>()).add(new int[] {i, m});
                    double[] r = raw.computeIfAbsent(k, x -> new double[2]);
                    r[0] += m * withoutThese;
                    r[1] += m * m;
                }
            }
            double sigma2 = noise / Math.max(1, probes.size());
            double lambda = shrinkage(raw, sigma2);
            Map<Object, Double> next = new HashMap<>(centre);
            occurrences.forEach((k, in) -> {
                double old = of(k);
                double c = centre(k);
                double partial = 0;
                double weight = 0;
                for (int[] o : in) {
                    partial += o[1] * (residuals[o[0]] + o[1] * (old - c));
                    weight += o[1] * o[1];
                }
                double fitted = c + partial / (weight + lambda);
                if (gated && Math.abs(fitted - c) < TRUSTED_SDS * Math.sqrt(sigma2 / (weight + lambda))) {
                    fitted = c;
                }
                for (int[] o : in) {
                    residuals[o[0]] -= o[1] * (fitted - old);
                }
                next.put(k, fitted);
            });
            values = next;
        }
    }

    private static final class Target {
        final int n = UtilityFeatures.NAMES.size();
        /**
         * Where the fit of the dense weights is centred: the similarity prior's weights, or those of a fit adopted
         * from another gateway.
         */
        double[] prior;
        final List<Probe> probes = new ArrayList<>();
        int next;
        double[] weights;
        /** Gated: a cluster's effect moves the candidates of a whole region for every request (docs/selection.md). */
        final Effects clusters = new Effects(Probe::clusters, true);
        final Effects examples = new Effects(Probe::examples, false);
        long labels;
        int sinceFit;

        Target(double[] prior) {
            this.prior = prior;
            this.weights = prior.clone();
        }

        /** Makes the fit now the centre of later fits (adopting it without the probes behind it). */
        void centreOnFit() {
            prior = weights.clone();
            clusters.centreOnFit();
            examples.centreOnFit();
        }

        double gain(UtilityFeatures f) {
            return f.dot(weights) + clusters.of(f.cluster()) + examples.of(f.example());
        }

        void add(Probe p) {
            if (probes.size() < BUFFER) {
                probes.add(p);
            } else {
                probes.set(next, p);
                next = (next + 1) % BUFFER;
            }
        }

        /** Backfitting: the dense ridge on what the effects leave, then each cluster's and each example's shrunk effect. */
        void fit() {
            double[] w = weights;
            for (int sweep = 0; sweep < SWEEPS; sweep++) {
                double[][] a = new double[n][n];
                double[] b = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i][i] = RIDGE;
                    b[i] = RIDGE * prior[i];
                }
                for (Probe p : probes) {
                    double target = p.label() - clusters.sum(p) - examples.sum(p);
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
                double[] dense = Cholesky.solveSymmetric(a, b);
                w = dense;
                clusters.refit(probes, p -> dot(dense, p.features()) + examples.sum(p));
                examples.refit(probes, p -> dot(dense, p.features()) + clusters.sum(p));
            }
            weights = w;
            sinceFit = 0;
        }

        void remap(int[] mapping) {
            for (int i = 0; i < probes.size(); i++) {
                Probe p = probes.get(i);
                Keys remapped = p.clusters().map(c -> (Integer) c < mapping.length && mapping[(Integer) c] >= 0
                        ? mapping[(Integer) c] : null);
                probes.set(i, new Probe(p.features(), remapped, p.examples(), p.label()));
            }
            Map<Object, Double> sums = new HashMap<>();
            Map<Object, Integer> merged = new HashMap<>();
            clusters.centre.forEach((c, v) -> {
                if ((Integer) c < mapping.length && mapping[(Integer) c] >= 0) {
                    sums.merge(mapping[(Integer) c], v, Double::sum);
                    merged.merge(mapping[(Integer) c], 1, Integer::sum);
                }
            });
            sums.replaceAll((c, sum) -> sum / merged.get(c));
            clusters.centre = Map.copyOf(sums);
            clusters.values = new HashMap<>(sums);
            if (!probes.isEmpty()) {
                fit();
            }
        }
    }

    /**
     * The ridge of one kind of effects, σ²/τ²: σ² the labels' noise ({@link Effects#refit}), τ² the variance
     * of the true effects, estimated as the spread of the raw per-key means (of what the rest leaves
     * without these effects) beyond what their sampling noise explains (method of moments); at least
     * {@link #MIN_EFFECT_RIDGE}, and infinite (no effects: each stays at its centre) unless that
     * spread is clear: at least {@link #TRUSTED_SDS} of its standard deviations under noise alone,
     * σ² √(2K) / Σ m² for K keys (a χ² with K degrees of freedom). Without that test, labels that
     * say nothing gave effects to every probed example on about half the seeds.
     */
    static double shrinkage(Map<?, double[]> raw, double noise) {
        double weight = 0;
        double mean = 0;
        for (double[] r : raw.values()) {
            weight += r[1];
            mean += r[0];
        }
        if (weight == 0) {
            return MIN_EFFECT_RIDGE;
        }
        mean /= weight;
        double spread = 0;
        for (double[] r : raw.values()) {
            double m = r[0] / r[1];
            spread += r[1] * (m - mean) * (m - mean);
        }
        spread /= weight;
        double sampling = noise * raw.size() / weight;
        double tau2 = spread - sampling;
        double samplingSd = noise * Math.sqrt(2.0 * raw.size()) / weight;
        return tau2 <= TRUSTED_SDS * samplingSd ? Double.POSITIVE_INFINITY : Math.max(MIN_EFFECT_RIDGE, noise / tau2);
    }

    private static double dot(double[] w, double[] x) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] * x[i];
        }
        return s;
    }

    /** @param floor the cold start's similarity floor ({@code selection.min-similarity}) */
    public LearnedUtilityModel(double floor) {
        this.prior = new double[UtilityFeatures.NAMES.size()];
        prior[UtilityFeatures.NAMES.indexOf("bias")] = -2 * SimilarityUtility.SLOPE * floor;
        prior[UtilityFeatures.NAMES.indexOf("similarity")] = 2 * SimilarityUtility.SLOPE;
    }

    @Override
    public synchronized double score(UtilityFeatures f, String targetModel) {
        Target t = targets.get(targetModel);
        double gain = t == null ? dot(prior, f.values()) : t.gain(f);
        return Math.max(0, Math.min(1, 0.5 + gain / 2));
    }

    @Override
    public synchronized void learn(List<UtilityFeatures> examples, List<UtilityFeatures> against, String targetModel,
            double gain) {
        if (examples.isEmpty() && against.isEmpty()) {
            return;
        }
        double label = 2 * Math.max(0, Math.min(1, gain)) - 1;
        Target t = targets.computeIfAbsent(targetModel, k -> new Target(prior));
        double[] sum = new double[t.n];
        add(t, examples, 1, sum);
        add(t, against, -1, sum);
        t.add(new Probe(sum, Keys.of(clustersOf(examples), clustersOf(against)),
                Keys.of(idsOf(examples), idsOf(against)), label));
        t.labels++;
        if (++t.sinceFit >= REFIT_EVERY || t.labels <= 100) {
            t.fit();
        }
    }

    /** Adds a set's features, times {@code sign}, to {@code sum}. */
    private static void add(Target t, List<UtilityFeatures> set, int sign, double[] sum) {
        for (UtilityFeatures f : set) {
            double[] x = f.values();
            for (int i = 0; i < t.n; i++) {
                sum[i] += sign * x[i];
            }
        }
    }

    private static List<Integer> clustersOf(List<UtilityFeatures> set) {
        return set.stream().map(UtilityFeatures::cluster).filter(c -> c >= 0).toList();
    }

    private static List<String> idsOf(List<UtilityFeatures> set) {
        return set.stream().map(UtilityFeatures::example).filter(e -> !e.isEmpty()).toList();
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
        Json.writeAtomically(file, toJson(true));
    }

    /** The fitted model without its probes (docs/selection.md, "Shared selection state"). */
    @Override
    public Optional<ObjectNode> shared() {
        return Optional.of(toJson(false));
    }

    /**
     * Replaces what this model learned with a fit {@link #shared} by another gateway. Without the probes behind it,
     * the fit becomes the centre of every later fit here: the dense weights are fitted toward its weights, each
     * effect is shrunk toward its effect, and keys without new probes keep it.
     *
     * @throws IllegalStateException when the state is of another version or feature layout
     */
    @Override
    public void adopt(JsonNode state) {
        Map<String, Target> adopted = readTargets(state).orElseThrow(() -> new IllegalStateException(
                "the shared utility model is of another version or feature layout"));
        adopted.values().forEach(Target::centreOnFit);
        synchronized (this) {
            targets.clear();
            targets.putAll(adopted);
        }
    }

    /**
     * The checkpoint: the fitted model, its centre when it is not the prior's, counts and (if asked) the probes
     * kept.
     */
    private ObjectNode toJson(boolean withProbes) {
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
                writeDoubles(m.putArray("weights"), t.weights);
                writeEffects(m.putObject("cluster_effects"), t.clusters.values);
                writeEffects(m.putObject("example_effects"), t.examples.values);
                if (!Arrays.equals(t.prior, prior)) {
                    ObjectNode centre = m.putObject("centre");
                    writeDoubles(centre.putArray("weights"), t.prior);
                    writeEffects(centre.putObject("cluster_effects"), t.clusters.centre);
                    writeEffects(centre.putObject("example_effects"), t.examples.centre);
                }
                ArrayNode probes = m.putArray("probes");
                for (int i = 0; withProbes && i < t.probes.size(); i++) {
                    Probe p = t.probes.get((t.next + i) % t.probes.size());
                    ObjectNode o = probes.addObject();
                    o.put("label", p.label());
                    writeDoubles(o.putArray("features"), p.features());
                    p.clusters().write(o.putArray("clusters"), o.putArray("cluster_counts"));
                    p.examples().write(o.putArray("examples"), o.putArray("example_counts"));
                }
            });
        }
        return root;
    }

    private static void writeDoubles(ArrayNode array, double[] values) {
        for (double v : values) {
            array.add(v);
        }
    }

    private static void writeEffects(ObjectNode object, Map<Object, Double> effects) {
        effects.forEach((k, v) -> object.put(k.toString(), v));
    }

    /**
     * A model from a checkpoint, or a fresh one when the file does not exist. A checkpoint with
     * another version or feature layout is ignored (logged): the model starts again from the prior.
     * One of version 4 (before per-example effects) is read as it is: its probes teach no example's
     * own effect, later ones do. Checkpoints before version 8 (dense weights fitted toward zero in
     * versions 4 and 5, cluster effects not held at their centre until clear before 8) are refitted
     * from their probes on load.
     */
    public static LearnedUtilityModel load(Path file, double floor) {
        LearnedUtilityModel model = new LearnedUtilityModel(floor);
        Optional<JsonNode> state = Json.readState(file, "utility model checkpoint", "start from the prior");
        if (state.isEmpty()) {
            return model;
        }
        Optional<Map<String, Target>> targets = model.readTargets(state.get());
        if (targets.isEmpty()) {
            LOG.log(Level.WARNING, "utility model checkpoint {0} is of another version or layout; starting from the "
                    + "prior", file);
        }
        targets.ifPresent(model.targets::putAll);
        return model;
    }

    /** The targets of a checkpoint; empty when it is of another version or feature layout. */
    private Optional<Map<String, Target>> readTargets(JsonNode root) {
        List<String> names = new ArrayList<>();
        root.path("features").forEach(n -> names.add(n.asText()));
        int version = root.path("version").asInt();
        if (version < OLDEST_READABLE || version > VERSION || !names.equals(UtilityFeatures.NAMES)) {
            return Optional.empty();
        }
        Map<String, Target> read = new HashMap<>();
        root.path("targets").fields().forEachRemaining(e -> {
            JsonNode m = e.getValue();
            JsonNode centre = m.path("centre");
            Target t = new Target(centre.isMissingNode() ? prior : readDoubles(centre.path("weights"), prior.length));
            t.clusters.centre = Map.copyOf(readEffects(centre.path("cluster_effects"), Integer::parseInt));
            t.examples.centre = Map.copyOf(readEffects(centre.path("example_effects"), id -> id));
            t.labels = m.path("labels").asLong();
            for (JsonNode o : m.path("probes")) {
                Keys clusters = Keys.read(o.path("clusters"), o.path("cluster_counts"),
                        c -> c.asInt() >= 0 ? (Object) c.asInt() : null);
                Keys examples = Keys.read(o.path("examples"), o.path("example_counts"),
                        id -> id.asText().isEmpty() ? null : id.asText());
                t.add(new Probe(readDoubles(o.path("features"), t.n), clusters, examples, o.path("label").asDouble()));
            }
            t.sinceFit = m.path("since_fit").asInt();
            t.weights = readDoubles(m.path("weights"), t.n);
            t.clusters.values = readEffects(m.path("cluster_effects"), Integer::parseInt);
            t.examples.values = readEffects(m.path("example_effects"), id -> id);
            if (version < VERSION && !t.probes.isEmpty()) {
                t.fit();
            }
            read.put(e.getKey(), t);
        });
        return Optional.of(read);
    }

    private static double[] readDoubles(JsonNode array, int n) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = array.path(i).asDouble();
        }
        return values;
    }

    private static Map<Object, Double> readEffects(JsonNode object, Function<String, Object> key) {
        Map<Object, Double> effects = new HashMap<>();
        object.fields().forEachRemaining(e -> effects.put(key.apply(e.getKey()), e.getValue().asDouble()));
        return effects;
    }
}
