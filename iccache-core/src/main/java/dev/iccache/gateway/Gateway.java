package dev.iccache.gateway;

import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.ModelBackend;
import dev.iccache.config.IccacheConfig;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.InContextAugmenter.Augmented;
import dev.iccache.select.Selection;
import dev.iccache.select.SelectionExplorer;
import dev.iccache.config.BackendRole;
import dev.iccache.tenant.Tenant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The request path without HTTP: decides which backend answers a request and what it is sent.
 * The HTTP server, the CLI and (later) the simulator all drive this one class. A request for the
 * virtual model is routed among all backends (or goes to the default model with routing off); a
 * request to a small model gets in-context examples. A call that fails before the first byte goes
 * on to the backend's {@code fallbacks}.
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    private final IccacheConfig config;
    private final Map<String, BoundedBackend> backends = new LinkedHashMap<>();
    private final Optional<InContextAugmenter> augmenter;
    private final Optional<ModelRouting> routing;
    private final Optional<SelectionExplorer> explorer;
    private final Counter bypass;
    private final Counter fallbacks;
    private final DecisionGate gate;

    /**
     * @param augmenter adds examples to requests for small models; empty when the bank is off
     * @param routing   routes requests for the virtual model; empty when routing is off
     * @param explorer  runs exploration probes for selection after responses; empty without a bank
     */
    public Gateway(IccacheConfig config, List<BoundedBackend> backends, Optional<InContextAugmenter> augmenter,
            Optional<ModelRouting> routing, Optional<SelectionExplorer> explorer, Metrics metrics) {
        this.config = config;
        this.augmenter = augmenter;
        this.routing = routing;
        this.explorer = explorer;
        this.bypass = metrics.counter("iccache_bypass_total",
                "Requests sent straight on because an iccache component failed, or (overload) because more requests "
                + "were waiting to be decided than decisions.max-queued allows, or one waited decisions.max-wait-ms "
                + "in vain.", "component");
        this.gate = new DecisionGate(config.decisions());
        metrics.gauge("iccache_decisions_waiting", "Requests waiting for a decision slot (decisions.max-concurrent).")
                .track(() -> gate.waiting());
        this.fallbacks = metrics.counter("iccache_fallbacks_total",
                "Calls handed to a fallback backend after a failure before the first byte, by the backend that "
                + "failed and the one tried next.", "from", "to");
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
            if (routing.isPresent()) {
                return decided(() -> routed(request, tenant))
                        .orElseGet(() -> shed(backends.get(config.defaultModel()), request));
            }
            backend = backends.get(config.defaultModel());
            reason = "default";
        } else {
            backend = backends.get(model);
            reason = "pinned";
            if (backend == null && config.embeddings().modelNames().contains(model)) {
                throw new IccacheException(ErrorKind.INVALID_REQUEST, "The model '" + model + "' is an embedding "
                        + "model: send it to /v1/embeddings. Chat models: " + config.virtualModel() + ", "
                        + String.join(", ", backends.keySet()) + ".", "model", "unsupported_model", null);
            }
            if (backend == null) {
                throw new IccacheException(ErrorKind.NOT_FOUND, "The model '" + model + "' does not exist. Available: "
                        + config.virtualModel() + ", " + String.join(", ", backends.keySet()) + ".", "model",
                        "model_not_found", null);
            }
        }
        Optional<Augmented> augmented = augment(request, tenant, backend);
        if (augmented.isEmpty()) {
            return shed(backend, request);
        }
        return new Route(backend, augmented.get().bypassed() ? "bypass" : reason, augmented.get(), Optional.empty());
    }

    /** The router's route for a request to the virtual model, or a bypass to the default model when routing fails. */
    private Route routed(ChatRequest request, Tenant tenant) {
        try {
            Optional<ModelRouting.Plan> planned = routing.orElseThrow().plan(request, tenant, backends.values(),
                    augmenter);
            if (planned.isEmpty()) {
                return bypass(request);
            }
            ModelRouting.Plan plan = planned.get();
            String chosen = plan.decision().chosen();
            return new Route(backends.get(chosen), "routed", plan.augmented().get(chosen), Optional.of(plan));
        } catch (RuntimeException e) {
            bypass.labelValues("router").inc();
            LOG.log(System.Logger.Level.WARNING, "routing bypassed: " + e);
            return bypass(request);
        }
    }

    /** The request as it came, to {@code backend}, undecided because more requests wait to be decided than may. */
    private Route shed(BoundedBackend backend, ChatRequest request) {
        return new Route(backend, "bypass", new Augmented(request, Optional.empty(), true), Optional.empty(), true);
    }

    /** The request as it came, to the default model, unrouted. */
    private Route bypass(ChatRequest request) {
        return new Route(backends.get(config.defaultModel()), "bypass", new Augmented(request, Optional.empty(), true),
                Optional.empty());
    }

    /**
     * {@code decision} within a decision slot ({@link DecisionGate}); empty, counted as shed, when there is none.
     */
    private <T> Optional<T> decided(Supplier<T> decision) {
        if (!gate.enter()) {
            bypass.labelValues("overload").inc();
            return Optional.empty();
        }
        try {
            return Optional.of(decision.get());
        } finally {
            gate.exit();
        }
    }

    /**
     * The request for {@code backend}: with the examples selected for it when it is a small model; empty when the
     * gateway has more requests to decide than it may queue.
     */
    private Optional<Augmented> augment(ChatRequest request, Tenant tenant, BoundedBackend backend) {
        if (augmenter.isEmpty() || backend.config().role() != BackendRole.SMALL) {
            return Optional.of(new Augmented(request, Optional.empty(), false));
        }
        return decided(() -> augmenter.get().augment(request, tenant, backend.config()));
    }

    /**
     * A whole completion from the route's backend, or from its fallbacks in turn when it fails
     * before answering (a retriable failure: unreachable, 5xx, 429, timeout, no slot, breakers open).
     *
     * @param original the client's request, which a fallback is sent (with its own examples if it is small)
     */
    public Answer<ChatResponse> complete(Route route, ChatRequest original, Tenant tenant) {
        return complete(route, original, tenant, ModelBackend::complete);
    }

    /** As {@link #complete(Route, ChatRequest, Tenant)}, asking each backend tried with {@code call} (say, once per choice). */
    public Answer<ChatResponse> complete(Route route, ChatRequest original, Tenant tenant,
            BiFunction<ModelBackend, ChatRequest, ChatResponse> call) {
        return withFallbacks(route, original, tenant, r -> call.apply(r.backend(), r.augmented().upstream()));
    }

    /**
     * A stream whose first chunk has arrived, from the route's backend or, when that fails before
     * its first chunk, from its fallbacks in turn. A stream that has delivered a chunk is never
     * restarted elsewhere: later failures come from {@link ChatStream#next()}.
     */
    public Answer<ChatStream> stream(Route route, ChatRequest original, Tenant tenant) {
        return stream(route, original, tenant, ModelBackend::stream);
    }

    /** As {@link #stream(Route, ChatRequest, Tenant)}, opening the stream of each backend tried with {@code call}. */
    public Answer<ChatStream> stream(Route route, ChatRequest original, Tenant tenant,
            BiFunction<ModelBackend, ChatRequest, ChatStream> call) {
        return withFallbacks(route, original, tenant, r -> firstChunk(call.apply(r.backend(), r.augmented().upstream())));
    }

    private static ChatStream firstChunk(ChatStream stream) {
        Optional<ChatChunk> first;
        try {
            first = stream.next();
        } catch (RuntimeException e) {
            stream.close();
            throw e;
        }
        return new ChatStream() {
            private Optional<ChatChunk> peeked = first;

            @Override
            public Optional<ChatChunk> next() {
                if (peeked != null) {
                    Optional<ChatChunk> chunk = peeked;
                    peeked = null;
                    return chunk;
                }
                return stream.next();
            }

            @Override
            public void close() {
                stream.close();
            }
        };
    }

    private <T> Answer<T> withFallbacks(Route route, ChatRequest original, Tenant tenant, Function<Route, T> call) {
        IccacheException first;
        try {
            return new Answer<>(route, call.apply(route));
        } catch (IccacheException e) {
            first = e;
        }
        String failed = route.backend().config().name();
        List<String> failures = new ArrayList<>();
        for (String next : first.retriable() ? config.fallbackChain(failed) : List.<String>of()) {
            fallbacks.labelValues(failed, next).inc();
            Route fallback = fallbackRoute(route, next, original, tenant);
            try {
                return new Answer<>(fallback, call.apply(fallback));
            } catch (IccacheException e) {
                failures.add("'" + next + "': " + e.getMessage());
                if (!e.retriable()) {
                    break;
                }
                failed = next;
            }
        }
        if (failures.isEmpty()) {
            throw first;
        }
        throw new IccacheException(first.kind(), first.getMessage() + " Its fallbacks failed too: "
                + String.join("; ", failures), first.param().orElse(null), first.code().orElse(null), first);
    }

    /**
     * The route to fallback {@code name}: a routed request's own arm for it (its examples were
     * selected for it), else the client's request with the examples selected for that backend.
     */
    private Route fallbackRoute(Route failed, String name, ChatRequest original, Tenant tenant) {
        BoundedBackend backend = backends.get(name);
        Optional<Augmented> augmented = failed.plan().map(p -> p.augmented().get(name))
                .or(() -> failed.shed() ? Optional.empty() : augment(original, tenant, backend));
        return new Route(backend, Route.FALLBACK,
                augmented.orElseGet(() -> new Augmented(original, Optional.empty(), true)), Optional.empty(),
                augmented.isEmpty());
    }

    /**
     * After a response was sent in full: records example uses, may start a selection probe on the
     * request's small-model selection and, for a routed request, the shadow run. Never blocks on
     * model calls.
     */
    public void served(String responseId, Tenant tenant, Route route, ChatRequest original, String answer) {
        augmenter.ifPresent(a -> a.served(responseId, tenant, route.backend().config().name(), route.augmented()));
        explorer.ifPresent(x -> smallSelection(route).ifPresent(e -> x.served(original, backends.get(e.getKey()),
                e.getValue(), tenant.domain())));
        route.plan().ifPresent(plan -> routing.ifPresent(r -> r.served(responseId, tenant, plan, original, answer,
                backends, augmenter)));
    }

    /**
     * The selection made for a small model on this request, with that model's name: the routed
     * plan's first small arm with one (whichever arm answered), or the route's own.
     */
    private Optional<Map.Entry<String, Selection>> smallSelection(Route route) {
        Map<String, Augmented> arms = route.plan().map(ModelRouting.Plan::augmented)
                .orElseGet(() -> Map.of(route.backend().config().name(), route.augmented()));
        for (Map.Entry<String, Augmented> arm : arms.entrySet()) {
            BoundedBackend b = backends.get(arm.getKey());
            if (b != null && b.config().role() == BackendRole.SMALL && arm.getValue().selection().isPresent()) {
                return Optional.of(Map.entry(arm.getKey(), arm.getValue().selection().get()));
            }
        }
        return Optional.empty();
    }

    /**
     * A user's verdict on a response of this tenant: feeds the replay gain of the examples it used
     * and teaches the router (if it was routed). False when the response is unknown here.
     */
    public boolean feedback(String responseId, Tenant tenant, boolean good) {
        boolean examples = augmenter.filter(a -> a.explain(responseId).map(u -> u.tenant().equals(tenant.name()))
                .orElse(false)).map(a -> a.feedback(responseId, good)).orElse(false);
        boolean routed = routing.map(r -> r.feedback(responseId, tenant, good)).orElse(false);
        return examples || routed;
    }

    /** The router, when routing is on. */
    public Optional<ModelRouting> routing() {
        return routing;
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
