package dev.iccache.gateway;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.config.IccacheConfig;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request path without HTTP: decides which backend answers a request. The HTTP server, the
 * CLI and (later) the simulator all drive this one class. In this version a request for the
 * virtual model goes to the default model; selection and routing plug in here.
 */
public final class Gateway implements AutoCloseable {
    private final IccacheConfig config;
    private final Map<String, BoundedBackend> backends = new LinkedHashMap<>();

    public Gateway(IccacheConfig config, List<BoundedBackend> backends) {
        this.config = config;
        for (BoundedBackend b : backends) {
            this.backends.put(b.config().name(), b);
        }
        for (var b : config.backends()) {
            if (!this.backends.containsKey(b.name())) {
                throw new IllegalArgumentException("no backend instance for configured backend " + b.name());
            }
        }
    }

    public IccacheConfig config() {
        return config;
    }

    /** Backends in configuration order. */
    public Collection<BoundedBackend> backends() {
        return backends.values();
    }

    /** Chooses the backend for a request, or fails with 404 when the model is unknown. */
    public Route route(ChatRequest request) {
        String model = request.model();
        if (model.equals(config.virtualModel())) {
            return new Route(backends.get(config.defaultModel()), "default", 0);
        }
        BoundedBackend pinned = backends.get(model);
        if (pinned == null) {
            throw new IccacheException(ErrorKind.NOT_FOUND, "The model '" + model + "' does not exist. Available: "
                    + config.virtualModel() + ", " + String.join(", ", backends.keySet()) + ".", "model",
                    "model_not_found", null);
        }
        return new Route(pinned, "pinned", 0);
    }

    @Override
    public void close() {
        backends.values().forEach(BoundedBackend::close);
    }
}
