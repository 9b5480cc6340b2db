package dev.iccache.sim.world;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The parameters of the simulated world, from one documented YAML file (the bundled
 * {@code dev/iccache/sim/calibration.yaml} unless another is given). A missing or non-numeric
 * parameter fails at load time naming its path.
 *
 * @param source where it was read from
 * @param tree   the parameters as read, for printing with every run
 */
public record Calibration(String source, JsonNode tree) {
    private static final String BUNDLED = "dev/iccache/sim/calibration.yaml";

    /** The file at {@code file}, or the bundled calibration when empty. */
    public static Calibration load(Optional<Path> file) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try {
            if (file.isPresent()) {
                if (!Files.isRegularFile(file.get())) {
                    throw new IllegalArgumentException("calibration file " + file.get() + " does not exist");
                }
                return checked(new Calibration(file.get().toString(), yaml.readTree(file.get().toFile())));
            }
            try (InputStream in = Calibration.class.getClassLoader().getResourceAsStream(BUNDLED)) {
                return checked(new Calibration("bundled " + BUNDLED, yaml.readTree(in)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration: " + e.getMessage(), e);
        }
    }

    private static Calibration checked(Calibration c) {
        for (String p : new String[] {"cluster.load", "cluster.slo-latency-s", "cluster.cache-hit-latency-s",
                "cluster.small.replicas", "cluster.large.replicas", "topic.dimensions", "topic.noise", "skills.classes",
                "skills.concentration", "quality.slope", "quality.capability.qa.small", "quality.capability.qa.large",
                "quality.capability.chat.small", "quality.capability.chat.large", "quality.generation-noise",
                "quality.ceiling-margin", "uplift.alpha", "uplift.rho", "uplift.beta", "uplift.delta", "uplift.h-min",
                "reuse.latent-cosine", "reuse.wrong-quality", "judge.temperature", "judge.score-scale",
                "judge.truth-tie-band", "users.feedback-rate", "users.noise"}) {
            c.number(p);
        }
        c.text("cluster.small.profile");
        c.text("cluster.large.profile");
        return c;
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
