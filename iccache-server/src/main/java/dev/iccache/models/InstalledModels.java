package dev.iccache.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code iccache models install} installed: the configuration's install fingerprint, the
 * environment's Python, the server executable and each model's GGUF file with its size.
 */
public record InstalledModels(String fingerprint, Path python, Path server, Map<String, Path> files,
        Map<String, Long> sizes) {
    public InstalledModels {
        files = Map.copyOf(files);
        sizes = Map.copyOf(sizes);
    }

    /** The record in {@code cache}, if a complete install wrote one. */
    public static Optional<InstalledModels> read(ModelCache cache) {
        Path file = cache.installedFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = Json.parse(Files.readAllBytes(file));
            Map<String, Path> files = new LinkedHashMap<>();
            Map<String, Long> sizes = new LinkedHashMap<>();
            n.path("models").properties().forEach(e -> {
                files.put(e.getKey(), Path.of(e.getValue().path("file").asText()));
                sizes.put(e.getKey(), e.getValue().path("bytes").asLong());
            });
            return Optional.of(new InstalledModels(n.path("fingerprint").asText(), Path.of(n.path("python").asText()),
                    Path.of(n.path("server").asText()), files, sizes));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The record, checked against {@code config}: it must exist, match the configuration and
     * still have its files. Fails with one line saying what to run.
     */
    public static InstalledModels require(ModelCache cache, ModelsConfig config) {
        InstalledModels installed = read(cache).orElseThrow(() -> new IllegalStateException(
                "the real models are not installed in " + cache.root() + "; run ./iccache models install"));
        Optional<String> problem = installed.problem(config);
        if (problem.isPresent()) {
            throw new IllegalStateException(problem.get() + "; run ./iccache models install");
        }
        return installed;
    }

    /** Why this install does not serve {@code config}, if it does not. */
    public Optional<String> problem(ModelsConfig config) {
        if (!fingerprint.equals(config.installFingerprint())) {
            return Optional.of("the installed models were made for another version of the models file");
        }
        if (!Files.isExecutable(python)) {
            return Optional.of("the model environment's Python " + python + " is missing");
        }
        if (!Files.isExecutable(server)) {
            return Optional.of("the model server " + server + " is missing");
        }
        for (LocalModel m : config.models()) {
            Path f = files.get(m.name());
            try {
                if (f == null || !Files.isRegularFile(f) || Files.size(f) != sizes.get(m.name())) {
                    return Optional.of("the file of model " + m.name() + " is missing or changed (" + f + ")");
                }
            } catch (IOException e) {
                return Optional.of("cannot read the file of model " + m.name() + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The GGUF file of a model. */
    public Path file(String model) {
        Path f = files.get(model);
        if (f == null) {
            throw new IllegalStateException("model " + model + " is not installed; run ./iccache models install");
        }
        return f;
    }

    /** Writes the record atomically. */
    void write(ModelCache cache) {
        ObjectNode root = Json.object();
        root.put("fingerprint", fingerprint);
        root.put("python", python.toString());
        root.put("server", server.toString());
        ObjectNode models = root.putObject("models");
        files.forEach((name, path) -> models.putObject(name).put("file", path.toString()).put("bytes", sizes.get(name)));
        try {
            Path tmp = cache.installedFile().resolveSibling("installed.json.tmp");
            Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n",
                    StandardCharsets.UTF_8);
            Files.move(tmp, cache.installedFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + cache.installedFile(), e);
        }
    }
}
