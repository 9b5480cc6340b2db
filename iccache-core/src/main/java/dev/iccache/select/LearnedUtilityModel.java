package dev.iccache.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The default {@link UtilityModel}: one online logistic regression per target model over
 * {@link UtilityFeatures}, blended with a documented prior until it has seen enough labels.
 * <ul>
 * <li>Prior (cold start): {@code clamp((similarity − 0.3) / 0.7) × quality}, quality 0.8 when
 * unknown: only close examples of decent quality pass the default threshold of 0.5.</li>
 * <li>Blend: {@code (1 − c) · prior + c · learned}, {@code c = n / (n + 100)} after n labels for
 * that target.</li>
 * <li>Learning: one SGD step per label, rate 0.05, L2 1e-4.</li>
 * </ul>
 * Checkpointed as JSON (docs/selection.md) and reloaded on start.
 */
public final class LearnedUtilityModel implements UtilityModel {
    private static final System.Logger LOG = System.getLogger(LearnedUtilityModel.class.getName());
    static final double LEARNING_RATE = 0.05;
    static final double L2 = 1e-4;
    static final double PRIOR_LABELS = 100;
    static final double PRIOR_UNKNOWN_QUALITY = 0.8;

    private final Map<String, Target> targets = new HashMap<>();

    private static final class Target {
        final double[] weights = new double[UtilityFeatures.NAMES.size()];
        long labels;
    }

    @Override
    public double score(UtilityFeatures f, String targetModel) {
        double prior = prior(f);
        double learned;
        long n;
        synchronized (this) {
            Target t = targets.get(targetModel);
            if (t == null) {
                return prior;
            }
            learned = sigmoid(f.dot(t.weights));
            n = t.labels;
        }
        double c = n / (n + PRIOR_LABELS);
        return (1 - c) * prior + c * learned;
    }

    /** The cold-start utility. */
    static double prior(UtilityFeatures f) {
        double closeness = Math.max(0, Math.min(1, (f.similarity() - 0.3) / 0.7));
        double quality = f.values()[4] > 0 ? f.quality() : PRIOR_UNKNOWN_QUALITY;
        return closeness * quality;
    }

    @Override
    public synchronized void learn(UtilityFeatures f, String targetModel, boolean helped) {
        Target t = targets.computeIfAbsent(targetModel, k -> new Target());
        double[] x = f.values();
        double error = (helped ? 1 : 0) - sigmoid(f.dot(t.weights));
        for (int i = 0; i < x.length; i++) {
            t.weights[i] += LEARNING_RATE * (error * x[i] - L2 * t.weights[i]);
        }
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
        root.put("version", 1);
        ArrayNode names = root.putArray("features");
        UtilityFeatures.NAMES.forEach(names::add);
        ObjectNode models = root.putObject("targets");
        synchronized (this) {
            targets.forEach((name, t) -> {
                ObjectNode m = models.putObject(name);
                m.put("labels", t.labels);
                ArrayNode w = m.putArray("weights");
                for (double v : t.weights) {
                    w.add(v);
                }
            });
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, Json.bytes(root));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write utility model checkpoint " + file, e);
        }
    }

    /**
     * A model from a checkpoint, or a fresh one when the file does not exist. A checkpoint with
     * another feature layout is ignored (logged): the model starts again from the prior.
     */
    public static LearnedUtilityModel load(Path file) {
        LearnedUtilityModel model = new LearnedUtilityModel();
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
        java.util.List<String> names = new java.util.ArrayList<>();
        root.path("features").forEach(n -> names.add(n.asText()));
        if (!names.equals(UtilityFeatures.NAMES)) {
            LOG.log(Level.WARNING, "utility model checkpoint {0} has features {1}, not {2}; starting from the prior",
                    file, names, UtilityFeatures.NAMES);
            return model;
        }
        root.path("targets").fields().forEachRemaining(e -> {
            Target t = new Target();
            t.labels = e.getValue().path("labels").asLong();
            JsonNode w = e.getValue().path("weights");
            for (int i = 0; i < t.weights.length; i++) {
                t.weights[i] = w.path(i).asDouble();
            }
            model.targets.put(e.getKey(), t);
        });
        return model;
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }
}
