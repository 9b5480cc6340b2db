package dev.iccache.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.stats.Cholesky;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The default {@link UtilityModel}: per target model, an additive model of what examples add to
 * the judge's score, g(x) = w·x over {@link UtilityFeatures}, trained on exploration probes
 * (docs/selection.md). A probe's label is the judge's score of the answer with a set S of examples
 * against the answer without, over 3, y in [−1, 1]; the model predicts y ≈ Σ_{e∈S} g(x_e), so a
 * set's label is shared by its examples in proportion to what they are predicted to add (additive
 * credit; a probe of several examples measures a larger effect against the same judge noise). The
 * utility is 0.5 + g/2, clamped to [0, 1].
 * <ul>
 * <li>Cold start: {@link SimilarityUtility} (the similarity top-k minus examples below the floor).</li>
 * <li>Hand-over by measured confidence: every label is first predicted by both the prior and the
 * learned model (prequential); the learned model scores once it has {@link #MIN_LABELS} labels and
 * its predictions correlate better with the labels than the prior's do (running correlations,
 * EMA weight {@link #ALPHA}: what selection needs is the ranking), and hands back if it falls
 * behind again.</li>
 * <li>Learning: ridge regression (λ = {@link #RIDGE}) solved exactly after every label from its
 * sufficient statistics (XᵀX + λI, Xᵀy), so that few noisy labels are used as well as they can be.</li>
 * </ul>
 * Checkpointed as JSON (the sufficient statistics, counts and running correlations) and reloaded on start.
 */
public final class LearnedUtilityModel implements UtilityModel {
    private static final System.Logger LOG = System.getLogger(LearnedUtilityModel.class.getName());
    static final double RIDGE = 1;
    static final int MIN_LABELS = 50;
    static final double ALPHA = 0.01;
    private static final int VERSION = 3;

    private final double floor;
    private final Map<String, Target> targets = new HashMap<>();

    private static final class Target {
        final int n = UtilityFeatures.NAMES.size();
        final double[][] xtx = new double[n][n];
        final double[] xty = new double[n];
        double[] weights = new double[n];
        long labels;

        Target() {
            for (int i = 0; i < n; i++) {
                xtx[i][i] = RIDGE;
            }
        }

        void add(double[] x, double y) {
            for (int i = 0; i < n; i++) {
                xty[i] += x[i] * y;
                for (int j = 0; j < n; j++) {
                    xtx[i][j] += x[i] * x[j];
                }
            }
            weights = Cholesky.solveSymmetric(xtx, xty);
        }

        final RunningCorrelation prior = new RunningCorrelation();
        final RunningCorrelation learned = new RunningCorrelation();

        boolean confident() {
            return labels >= MIN_LABELS && learned.value() > prior.value();
        }
    }

    /** Exponentially weighted correlation of predictions with labels. */
    static final class RunningCorrelation {
        double mx = 0.5;
        double my = 0.5;
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
            mx = o.path("mx").asDouble(0.5);
            my = o.path("my").asDouble(0.5);
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
                return Math.max(0, Math.min(1, 0.5 + f.dot(t.weights) / 2));
            }
        }
        return prior(f);
    }

    private double prior(UtilityFeatures f) {
        return SimilarityUtility.score(f.similarity(), floor);
    }

    /** The prior's predicted contribution g of an example (its utility is 0.5 + g/2). */
    private double priorGain(UtilityFeatures f) {
        return 2 * (prior(f) - 0.5);
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
        double prior = 0;
        for (UtilityFeatures f : examples) {
            double[] x = f.values();
            for (int i = 0; i < t.n; i++) {
                sum[i] += x[i];
            }
            prior += priorGain(f);
        }
        double learned = 0;
        for (int i = 0; i < t.n; i++) {
            learned += t.weights[i] * sum[i];
        }
        t.learned.add(learned, label);
        t.prior.add(prior, label);
        t.add(sum, label);
        t.labels++;
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
                t.prior.write(m.putObject("prior_correlation"));
                t.learned.write(m.putObject("learned_correlation"));
                ArrayNode xtx = m.putArray("xtx");
                for (double[] row : t.xtx) {
                    ArrayNode r = xtx.addArray();
                    for (double v : row) {
                        r.add(v);
                    }
                }
                ArrayNode xty = m.putArray("xty");
                for (double v : t.xty) {
                    xty.add(v);
                }
            });
        }
        writeAtomically(file, Json.bytes(root));
    }

    /** Writes bytes to a temporary file, then renames it over {@code file}. */
    static void writeAtomically(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * A model from a checkpoint, or a fresh one when the file does not exist. A checkpoint with
     * another version or feature layout is ignored (logged): the model starts again from the prior.
     */
    public static LearnedUtilityModel load(Path file, double floor) {
        LearnedUtilityModel model = new LearnedUtilityModel(floor);
        if (!Files.exists(file)) {
            return model;
        }
        JsonNode root;
        try {
            root = Json.parse(Files.readAllBytes(file));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("utility model checkpoint " + file + " is unreadable: " + e.getMessage()
                    + " (move it away to start from the prior)", e);
        }
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
            for (int i = 0; i < t.n; i++) {
                for (int k = 0; k < t.n; k++) {
                    t.xtx[i][k] = m.path("xtx").path(i).path(k).asDouble(i == k ? RIDGE : 0);
                }
                t.xty[i] = m.path("xty").path(i).asDouble();
            }
            t.weights = Cholesky.solveSymmetric(t.xtx, t.xty);
            model.targets.put(e.getKey(), t);
        });
        return model;
    }
}
