package dev.iccache.gateway;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.config.IccacheConfig;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.InContextAugmenter.Augmented;
import dev.iccache.tenant.Tenant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The request path without HTTP: decides which backend answers a request and what it is sent.
 * The HTTP server, the CLI and (later) the simulator all drive this one class. A request for the
 * virtual model goes to the default model (routing comes next); a request to a small model gets
 * in-context examples.
 */
public final class Gateway implements AutoCloseable {
    private final IccacheConfig config;
    private final Map<String, BoundedBackend> backends = new LinkedHashMap<>();
    private final Optional<InContextAugmenter> augmenter;

    /**
     * @param augmenter adds examples to requests for small models; empty when the bank is off
     */
    public Gateway(IccacheConfig config, List<BoundedBackend> backends, Optional<InContextAugmenter> augmenter) {
        this.config = config;
        this.augmenter = augmenter;
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

    /**
     * Chooses the backend for a request and what to send it, or fails with 404 when the model is
     * unknown. A small model's request carries the examples selected for it.
     */
    public Route route(ChatRequest request, Tenant tenant) {
        String model = request.model();
        BoundedBackend backend;
        String reason;
        if (model.equals(config.virtualModel())) {
            backend = backends.get(config.defaultModel());
            reason = "default";
        } else {
            backend = backends.get(model);
            reason = "pinned";
            if (backend == null) {
                throw new IccacheException(ErrorKind.NOT_FOUND, "The model '" + model + "' does not exist. Available: "
                        + config.virtualModel() + ", " + String.join(", ", backends.keySet()) + ".", "model",
                        "model_not_found", null);
            }
        }
        Augmented augmented = augmenter.map(a -> a.augment(request, tenant, backend.config()))
                .orElseGet(() -> new Augmented(request, Optional.empty(), false));
        return new Route(backend, augmented.bypassed() ? "bypass" : reason, augmented);
    }

    /** The augmenter, when the bank is on. */
    public Optional<InContextAugmenter> augmenter() {
        return augmenter;
    }

    @Override
    public void close() {
        backends.values().forEach(BoundedBackend::close);
        augmenter.ifPresent(InContextAugmenter::close);
    }
}
