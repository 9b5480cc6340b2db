package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The whole iccache configuration: one YAML file, every key in docs/configuration.md. Built
 * programmatically or by {@link ConfigLoader}; checked when built.
 *
 * @param server       the HTTP listener
 * @param virtualModel name of the model iccache routes itself (default {@code iccache})
 * @param defaultModel backend that answers when iccache does not decide otherwise (default: the
 *                     first large backend, else the first backend)
 * @param dataDir      where iccache keeps its state (default {@code ./iccache-data})
 * @param backends     the model backends, at least one
 */
public record IccacheConfig(ServerConfig server, String virtualModel, String defaultModel, Path dataDir,
        List<BackendConfig> backends) {

    public IccacheConfig {
        server = server == null ? ServerConfig.DEFAULT : server;
        virtualModel = virtualModel == null || virtualModel.isBlank() ? "iccache" : virtualModel;
        dataDir = dataDir == null ? Path.of("iccache-data") : dataDir;
        if (backends == null || backends.isEmpty()) {
            throw new ConfigException("backends: at least one backend is required");
        }
        backends = List.copyOf(backends);
        Set<String> names = new HashSet<>();
        for (BackendConfig b : backends) {
            if (!names.add(b.name())) {
                throw new ConfigException("backends: duplicate name '" + b.name() + "'");
            }
        }
        if (names.contains(virtualModel)) {
            throw new ConfigException("virtual-model '" + virtualModel + "' must differ from every backend name");
        }
        if (defaultModel == null) {
            defaultModel = backends.stream().filter(b -> b.role() == BackendRole.LARGE).findFirst()
                    .orElse(backends.get(0)).name();
        } else if (!names.contains(defaultModel)) {
            throw new ConfigException("default-model '" + defaultModel + "' is not a configured backend " + names);
        }
    }

    @JsonCreator
    static IccacheConfig fromYaml(@JsonProperty("server") ServerConfig server,
            @JsonProperty("virtual-model") String virtualModel, @JsonProperty("default-model") String defaultModel,
            @JsonProperty("data-dir") String dataDir, @JsonProperty("backends") List<BackendConfig> backends) {
        return new IccacheConfig(server, virtualModel, defaultModel, dataDir == null ? null : Path.of(dataDir),
                backends);
    }

    /** The embedded default: two in-process simulated backends, {@code sim-small} and {@code sim-large}. */
    public static IccacheConfig embeddedDefault() {
        return new IccacheConfig(null, null, "sim-large", null, List.of(
                BackendConfig.simulated("sim-small", "small", 1.0),
                BackendConfig.simulated("sim-large", "large", 1.0)));
    }

    public Optional<BackendConfig> backend(String name) {
        return backends.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    public IccacheConfig withServer(ServerConfig newServer) {
        return new IccacheConfig(newServer, virtualModel, defaultModel, dataDir, backends);
    }

    public IccacheConfig withDataDir(Path newDataDir) {
        return new IccacheConfig(server, virtualModel, defaultModel, newDataDir, backends);
    }
}
