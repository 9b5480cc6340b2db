package dev.iccache.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.ConfigException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One real model of {@code config/models.yaml}: the PyPI packages that ship its GGUF file, where
 * the file lies inside them, its checksum, and how it is served.
 *
 * @param name          model name (the backend name clients use, and the server's model id)
 * @param description   what the model is, for people
 * @param role          small or large, as a gateway backend
 * @param cost          relative cost as a gateway backend
 * @param packages      pip requirements (pinned) that carry the file, installed without dependencies
 * @param files         the file's parts inside site-packages, concatenated in this order (one part: used in place)
 * @param sha256        SHA-256 of the whole GGUF file
 * @param port          loopback port of {@code iccache models start}
 * @param contextWindow the server's context size in tokens
 * @param serverArgs    extra arguments of this model's server (e.g. its chat template)
 * @param requantize    a llama.cpp quantisation type the file is re-encoded to at install (e.g. Q8_0), or empty
 */
public record LocalModel(String name, String description, BackendRole role, double cost, List<String> packages,
        List<String> files, String sha256, int port, int contextWindow, List<String> serverArgs, String requantize) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public LocalModel {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigException("models[].name must be 1-64 lower-case letters, digits, '.', '_' or '-', got "
                    + name);
        }
        String where = "model '" + name + "': ";
        description = description == null ? name : description;
        role = role == null ? BackendRole.SMALL : role;
        cost = cost == 0 ? 1.0 : cost;
        if (!(cost > 0)) {
            throw new ConfigException(where + "cost must be positive, got " + cost);
        }
        if (packages == null || packages.isEmpty() || packages.stream().anyMatch(p -> !p.contains("=="))) {
            throw new ConfigException(where + "packages must list pinned pip requirements (name==version), got "
                    + packages);
        }
        if (files == null || files.isEmpty() || files.stream().anyMatch(f -> f.isBlank() || f.startsWith("/")
                || f.contains(".."))) {
            throw new ConfigException(where + "files must list the model file's parts, relative to site-packages, got "
                    + files);
        }
        if (sha256 == null || !SHA256.matcher(sha256.toLowerCase(Locale.ROOT)).matches()) {
            throw new ConfigException(where + "sha256 must be 64 hex digits, got " + sha256);
        }
        sha256 = sha256.toLowerCase(Locale.ROOT);
        if (port < 1 || port > 65535) {
            throw new ConfigException(where + "port must be 1..65535, got " + port);
        }
        if (contextWindow < 256) {
            throw new ConfigException(where + "context-window must be at least 256, got " + contextWindow);
        }
        packages = List.copyOf(packages);
        files = List.copyOf(files);
        serverArgs = List.copyOf(serverArgs == null ? List.of() : serverArgs);
        requantize = requantize == null ? "" : requantize;
        if (!requantize.isEmpty() && !requantize.matches("[A-Za-z0-9_]{2,16}")) {
            throw new ConfigException(where + "requantize must be a quantisation type such as Q8_0, got " + requantize);
        }
    }

    @JsonCreator
    static LocalModel fromYaml(@JsonProperty("name") String name, @JsonProperty("description") String description,
            @JsonProperty("role") String role, @JsonProperty("cost") Double cost,
            @JsonProperty("packages") List<String> packages, @JsonProperty("files") List<String> files,
            @JsonProperty("sha256") String sha256, @JsonProperty("port") Integer port,
            @JsonProperty("context-window") Integer contextWindow,
            @JsonProperty("server-args") List<String> serverArgs, @JsonProperty("requantize") String requantize) {
        BackendRole parsedRole = null;
        if (role != null) {
            try {
                parsedRole = BackendRole.valueOf(role.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("model '" + name + "': role must be small or large, got " + role);
            }
        }
        return new LocalModel(name, description, parsedRole, cost == null ? 0 : cost, packages, files, sha256,
                port == null ? 0 : port, contextWindow == null ? 0 : contextWindow, serverArgs, requantize);
    }

    /** The gateway backend for this model's server at {@code baseUrl} (up to {@code /v1}). */
    public BackendConfig backend(String baseUrl) {
        // One generation at a time: the server runs one request at once; the gateway queues the rest.
        return new BackendConfig(name, baseUrl, null, null, role, cost, contextWindow, 1, 600_000, 0, 0, 0, 2, null, 0);
    }
}
