package dev.iccache.sim.world;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.iccache.backend.sim.SimProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The parameters of the simulated world for one model pair (EVALUATION.md §2.3, Appendix A), from
 * one documented YAML file: a bundled pair ({@code dev/iccache/sim/pairs/NAME.yaml}) or a file.
 * The file holds the pair's latency profiles, the equal-GPU clusters, the world's parameters and
 * the paper's targets for that pair. A missing or ill-typed parameter fails at load time naming
 * its path.
 *
 * @param source where it was read from
 * @param tree   the parameters as read, for printing with every run
 */
public record Calibration(String source, JsonNode tree) {
    /** The bundled pairs. */
    public static final List<String> PAIRS = List.of("gemma2", "qwen-r1", "gemini-flash-pro");
    /** The pair used when none is named. */
    public static final String DEFAULT_PAIR = "gemma2";
    /** Tiers of a cluster. */
    public static final List<String> TIERS = List.of("small", "large");
    /** Clusters a policy can get; every one holds the same GPUs. */
    public static final List<String> CLUSTERS = List.of("large-only", "small-only", "mixed");

    private static final String[] NUMBERS = {"cluster.load", "cluster.slo-latency-s", "cluster.cache-hit-latency-s",
        "topic.dimensions", "topic.noise", "skills.classes", "skills.label-noise", "skills.teachable-a", "skills.teachable-b", "skills.example-spread", "difficulty.visible",
        "quality.slope", "quality.capability.qa.small", "quality.capability.qa.large", "quality.capability.chat.small",
        "quality.capability.chat.large", "quality.generation-noise", "quality.ceiling-margin", "uplift.alpha",
        "uplift.rho", "uplift.same-answer", "uplift.beta", "uplift.delta", "uplift.h-min", "reuse.latent-cosine",
        "reuse.wrong-quality", "judge.temperature", "judge.score-scale", "judge.truth-tie-band", "users.feedback-rate",
        "users.noise", "check.dense-cosine", "check.reference-min-cosine"};

    /** One of the paper's targets: a measure of {@code calibration-check} and the range it must fall in. */
    public record Target(String measure, String workload, OptionalDouble target, double low, double high,
            String source) {
        /** Whether a measured value is within the range. */
        public boolean within(double measured) {
            return measured >= low && measured <= high;
        }

        /** The range as text: "0.271 ± 0.04", "≥ 0.55", "0.04 - 0.22". */
        public String describe() {
            if (target.isPresent()) {
                return String.format(java.util.Locale.ROOT, "%.3f ± %.3f", target.getAsDouble(),
                        high - target.getAsDouble());
            }
            if (Double.isInfinite(high)) {
                return String.format(java.util.Locale.ROOT, ">= %.3f", low);
            }
            if (Double.isInfinite(low)) {
                return String.format(java.util.Locale.ROOT, "<= %.3f", high);
            }
            return String.format(java.util.Locale.ROOT, "%.3f - %.3f", low, high);
        }
    }

    /** The bundled calibration of a pair; fails naming the known pairs if there is none. */
    public static Calibration pair(String name) {
        String resource = "dev/iccache/sim/pairs/" + name + ".yaml";
        try (InputStream in = Calibration.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("unknown model pair '" + name + "'; known: "
                        + String.join(", ", PAIRS));
            }
            return checked(new Calibration("bundled " + resource, yaml().readTree(in)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration " + resource + ": " + e.getMessage(), e);
        }
    }

    /** A calibration file. */
    public static Calibration file(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("calibration file " + file + " does not exist");
        }
        try {
            return checked(new Calibration(file.toString(), yaml().readTree(file.toFile())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file when given, else the bundled pair (the default pair when none is named). */
    public static Calibration load(Optional<String> pair, Optional<Path> file) {
        if (pair.isPresent() && file.isPresent()) {
            throw new IllegalArgumentException("give a model pair or a calibration file, not both");
        }
        return file.map(Calibration::file).orElseGet(() -> pair(pair.orElse(DEFAULT_PAIR)));
    }

    private static ObjectMapper yaml() {
        return new ObjectMapper(new YAMLFactory());
    }

    private static Calibration checked(Calibration c) {
        for (String p : NUMBERS) {
            c.number(p);
        }
        c.text("pair");
        for (String tier : TIERS) {
            c.text("models." + tier + ".name");
            c.profile(tier);
        }
        int gpus = -1;
        for (String cluster : CLUSTERS) {
            int g = 0;
            for (String tier : TIERS) {
                g += c.replicas(cluster, tier) * c.profile(tier).gpus();
            }
            if (gpus >= 0 && g != gpus) {
                throw new IllegalArgumentException("calibration " + c.source + ": cluster '" + cluster + "' has " + g
                        + " GPUs, the others " + gpus + " (every policy gets the same GPUs)");
            }
            gpus = g;
        }
        c.targets();
        return c;
    }

    /** The pair's name. */
    public String pair() {
        return text("pair");
    }

    /** The latency profile of a tier: a named {@link SimProfile} or the profile's fields. */
    public SimProfile profile(String tier) {
        JsonNode p = at("models." + tier + ".profile");
        if (p.isTextual()) {
            return SimProfile.named(p.asText());
        }
        String base = "models." + tier + ".profile.";
        return new SimProfile(tier, (int) number(base + "gpus"), number(base + "scheduling-overhead-ms"),
                number(base + "prefill-tokens-per-sec"), number(base + "decode-tokens-per-sec"),
                number(base + "batch-slowdown"), (int) number(base + "max-batch"), (int) number(base + "context-window"),
                (int) number(base + "median-output-tokens"));
    }

    /** Replicas of a tier in a cluster (0: the tier is not part of it). */
    public int replicas(String cluster, String tier) {
        int n = (int) number("cluster." + cluster + "." + tier);
        if (n < 0) {
            throw new IllegalArgumentException("calibration " + source + ": cluster." + cluster + "." + tier
                    + " must not be negative");
        }
        return n;
    }

    /** GPUs of every cluster. */
    public int gpus() {
        int g = 0;
        for (String tier : TIERS) {
            g += replicas("mixed", tier) * profile(tier).gpus();
        }
        return g;
    }

    /** The paper's targets for this pair. */
    public List<Target> targets() {
        List<Target> out = new ArrayList<>();
        for (JsonNode t : tree.path("targets")) {
            String measure = t.path("measure").asText("");
            if (measure.isEmpty()) {
                throw new IllegalArgumentException("calibration " + source + ": a target lacks 'measure'");
            }
            OptionalDouble target = t.has("target") ? OptionalDouble.of(t.path("target").asDouble())
                    : OptionalDouble.empty();
            double low;
            double high;
            if (target.isPresent()) {
                double tol = t.path("tolerance").asDouble(Double.NaN);
                if (Double.isNaN(tol)) {
                    throw new IllegalArgumentException("calibration " + source + ": target " + measure
                            + " needs a tolerance");
                }
                low = target.getAsDouble() - tol;
                high = target.getAsDouble() + tol;
            } else {
                low = t.path("min").asDouble(Double.NEGATIVE_INFINITY);
                high = t.path("max").asDouble(Double.POSITIVE_INFINITY);
                if (!t.has("min") && !t.has("max")) {
                    throw new IllegalArgumentException("calibration " + source + ": target " + measure
                            + " needs target and tolerance, or min and/or max");
                }
            }
            out.add(new Target(measure, t.path("workload").asText("nq-open"), target, low, high,
                    t.path("source").asText("")));
        }
        return out;
    }

    /** The number at a dotted path. */
    public double number(String path) {
        JsonNode n = at(path);
        if (!n.isNumber()) {
            throw new IllegalArgumentException("calibration " + source + ": '" + path + "' must be a number, got " + n);
        }
        return n.asDouble();
    }

    /** The text at a dotted path. */
    public String text(String path) {
        JsonNode n = at(path);
        if (!n.isTextual()) {
            throw new IllegalArgumentException("calibration " + source + ": '" + path + "' must be text, got " + n);
        }
        return n.asText();
    }

    private JsonNode at(String path) {
        JsonNode n = tree;
        for (String part : path.split("\\.")) {
            n = n.path(part);
        }
        if (n.isMissingNode()) {
            throw new IllegalArgumentException("calibration " + source + " lacks '" + path + "'");
        }
        return n;
    }
}
