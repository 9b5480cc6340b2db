package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.admission.Candidate;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.StreamedCompletion;
import dev.iccache.api.Usage;
import dev.iccache.backend.ChoiceFanOut;
import dev.iccache.exact.ExactCache;
import dev.iccache.gateway.Answer;
import dev.iccache.gateway.Gateway;
import dev.iccache.gateway.Route;
import dev.iccache.tenant.Tenant;
import dev.iccache.tenant.TenantResolver;
import dev.iccache.time.Ticker;
import dev.iccache.trace.Tracing;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The chat pipeline behind {@code POST /v1/chat/completions} (and {@code POST /v1/messages}, in the
 * Anthropic {@link WireFormat}): validates, answers from the {@link ExactCache} when it holds the
 * answer, else asks the {@link Gateway} for a route, calls the backend (for {@code n} choices through
 * the {@link ChoiceFanOut}; its fallbacks when it fails before answering) and relays the answer,
 * whole or as server-sent events, with the x-iccache headers.
 */
final class ChatCompletionsHandler implements Handler {
    private static final HeaderName NO_STORE = HeaderNames.create("x-iccache-no-store");
    private static final HeaderName DEBUG = HeaderNames.create("x-iccache-debug");
    private static final HeaderName OVERHEAD = HeaderNames.create("x-iccache-overhead-ms");
    private static final HeaderName ADMIN_KEY = HeaderNames.create("x-iccache-admin-key");
    private static final HeaderName DEBUG_SELECTION = HeaderNames.create("x-iccache-debug-selection");
    private static final HeaderName CACHE = HeaderNames.create("x-iccache-cache");
    private static final HeaderName MODEL = HeaderNames.create("x-iccache-model");
    private static final HeaderName EXAMPLES = HeaderNames.create("x-iccache-examples");
    private static final HeaderName ROUTE = HeaderNames.create("x-iccache-route");
    /** The route of an answer served from the exact-match cache. */
    private static final String EXACT = "exact";
    private static final System.Logger LOG = System.getLogger(ChatCompletionsHandler.class.getName());

    private final Gateway gateway;
    private final GatewayMetrics metrics;
    private final Ticker ticker;
    private final WireFormat wire;
    private final long maxBodyBytes;
    private final BodyBudget bodies;
    private final TenantResolver tenants;
    private final Consumer<Candidate> admissions;
    private final AdminKey adminKey;
    private final ChoiceFanOut choices;
    private final ExactCache exact;
    private final KeyLimits keyLimits;
    private final RecentDecisions decisions;
    private final Tracing tracing;

    /**
     * @param admissions receives finished pairs that may become examples; must not block
     * @param adminKey   unlocks the debug header
     * @param bodies     the request-body bytes requests in flight may hold; a request holds its body's until it ends
     * @param wire       the API dialect of requests, answers and errors
     * @param choices    serves requests for several choices
     * @param exact      answers identical deterministic requests
     * @param keyLimits  checks requests made with issued keys (models, rpm, tpm, budget) and charges every answer
     * @param decisions  keeps the routing decision of each served response for the dashboard
     * @param tracing    the request's server span (continuing the caller's W3C trace) and its route span
     */
    ChatCompletionsHandler(Gateway gateway, TenantResolver tenants, Consumer<Candidate> admissions, AdminKey adminKey,
            BodyBudget bodies, GatewayMetrics metrics, Ticker ticker, WireFormat wire, ChoiceFanOut choices,
            ExactCache exact, KeyLimits keyLimits, RecentDecisions decisions, Tracing tracing) {
        this.gateway = gateway;
        this.tenants = tenants;
        this.admissions = admissions;
        this.adminKey = adminKey;
        this.bodies = bodies;
        this.metrics = metrics;
        this.ticker = ticker;
        this.wire = wire;
        this.choices = choices;
        this.exact = exact;
        this.keyLimits = keyLimits;
        this.decisions = decisions;
        this.tracing = tracing;
        this.maxBodyBytes = gateway.config().server().maxBodyBytes();
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        try (Tracing.Span span = tracing.startServer("POST " + wire.endpoint(),
                name -> req.headers().first(HeaderNames.create(name)))) {
            span.set("http.request.method", "POST").set("http.route", wire.endpoint())
                    .set("gen_ai.operation.name", "chat");
            serve(req, res, span);
            if (span.recording()) {
                describe(span, res);
            }
        }
    }

    /** The server span's attributes from the response sent: status, route, answering backend, examples. */
    private static void describe(Tracing.Span span, ServerResponse res) {
        int status = res.status().code();
        span.set("http.response.status_code", status);
        res.headers().first(ROUTE).ifPresent(r -> span.set("iccache.route", r));
        res.headers().first(MODEL).ifPresent(m -> span.set("iccache.model", m));
        res.headers().first(EXAMPLES).ifPresent(e -> span.set("iccache.examples", Long.parseLong(e)));
        if (status >= 500) {
            span.failed(IccacheException.of(ErrorKind.INTERNAL, "answered " + status));
        }
    }

    private void serve(ServerRequest req, ServerResponse res, Tracing.Span span) {
        long t0 = ticker.nanoTime();
        Route route = null;
        ChatRequest request = null;
        AccessLog.Entry log = AccessLog.entry(req);
        try (BodyBudget.Reservation body = bodies.open()) {
            Tenant tenant = tenants.resolve(wire.authorization(req));
            log.tenant(tenant.name());
            span.set("iccache.tenant", tenant.name());
            request = wire.parse(OpenAiHttp.readBody(req, maxBodyBytes, body));
            log.asked(request.model(), request.stream());
            span.set("gen_ai.request.model", request.model());
            KeyLimits.Charge charge = keyLimits.admit(wire.authorization(req), tenant, request, res);
            int n = choices.choices(request);
            boolean noStore = req.headers().first(NO_STORE).map(v -> v.strip().equalsIgnoreCase("true")).orElse(false);
            Optional<ExactCache.Key> exactKey = noStore ? Optional.empty() : exact.key(request, tenant);
            if (exactKey.isPresent()) {
                Optional<ChatResponse> stored = exact.get(exactKey.get());
                if (stored.isPresent()) {
                    replay(request, stored.get(), res, t0, log);
                    return;
                }
                res.header(CACHE, "miss");
            }
            // One route for all n choices: the choices share the model and the examples; admission and
            // feedback see the first choice's request and answer.
            ChatRequest single = request.singleChoice();
            try (Tracing.Span routing = tracing.start("iccache.route")) {
                routing.set("gen_ai.request.model", single.model());
                route = gateway.route(single, tenant);
                routing.set("iccache.route", route.reason()).set("iccache.model", route.backend().config().name())
                        .set("iccache.examples", route.examples());
            }
            boolean bypassed = route.reason().equals("bypass"); // a degraded answer is not kept for later requests
            Admission admission = new Admission(tenant, single, route, noStore, exactKey.filter(k -> !bypassed), n,
                    charge, log);
            if (debugRequested(req)) {
                route.augmented().selection().ifPresent(s -> res.header(DEBUG_SELECTION,
                        Explanations.of(s).toString()));
            }
            if (request.stream()) {
                stream(request, n, route, res, t0, admission);
            } else {
                complete(n, route, res, t0, admission);
            }
        } catch (IccacheException e) {
            fail(res, route, request, log.failed(e), t0);
        } catch (UncheckedIOException e) {
            fail(res, route, request, log.failed(IccacheException.of(ErrorKind.INVALID_REQUEST,
                    "Could not read the request body: " + e.getCause().getMessage())), t0);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "unexpected failure serving a chat completion", e);
            fail(res, route, request, log.failed(IccacheException.of(ErrorKind.INTERNAL,
                    "iccache failed unexpectedly; the failure is logged.")), t0);
        }
    }

    private void complete(int n, Route route, ServerResponse res, long t0, Admission admission) {
        long b0 = ticker.nanoTime();
        Answer<ChatResponse> answer = gateway.complete(route, admission.request, admission.tenant,
                (backend, upstream) -> choices.complete(backend, upstream, n));
        route = answer.route();
        admission = admission.answeredBy(route);
        ChatResponse response = answer.response();
        long backendNanos = ticker.nanoTime() - b0;
        String id = newId();
        ObjectNode body = wire.completion(response, id, route.backend().config().name());
        long overhead = ticker.nanoTime() - t0 - backendNanos;
        headers(res, route, overhead);
        admission.keep(response);
        OpenAiHttp.sendJson(res, 200, body);
        done(route, "false", 200, t0, overhead);
        admission.completed(id, response);
    }

    private void stream(ChatRequest request, int n, Route route, ServerResponse res, long t0, Admission admission) {
        long b0 = ticker.nanoTime();
        String id = newId();
        Answer<ChatStream> answer = gateway.stream(route, admission.request, admission.tenant,
                (backend, upstream) -> choices.stream(backend, upstream, n));
        route = answer.route();
        admission = admission.answeredBy(route);
        String model = route.backend().config().name();
        ChatStream upstream = answer.response();
        WireFormat.EventStream events = null;
        boolean clientGone = false;
        try {
            // Wait for the first chunk before committing a 200, so a backend failing up front gets a proper status.
            Optional<ChatChunk> chunk = upstream.next();
            long firstChunk = ticker.nanoTime();
            long overhead = b0 - t0;
            headers(res, route, overhead + (ticker.nanoTime() - firstChunk));
            events = wire.events(OpenAiHttp.startEventStream(res), request, id, model);
            boolean firstContent = true;
            StreamedCompletion whole = new StreamedCompletion();
            while (chunk.isPresent()) {
                whole.add(chunk.get());
                if (!events.relay(chunk.get())) {
                    clientGone = true;
                    break;
                }
                if (firstContent && !chunk.get().deltaText().isEmpty()) {
                    firstContent = false;
                    metrics.ttft.labelValues(model).observe((ticker.nanoTime() - t0) / 1e9);
                }
                chunk = upstream.next();
            }
            ChatResponse response = whole.response();
            if (!clientGone) {
                admission.keep(response);
            }
            clientGone = clientGone || !events.finish();
            done(route, "true", clientGone ? 499 : 200, t0, overhead);
            if (!clientGone) {
                admission.completed(id, response);
            }
        } catch (IccacheException e) {
            if (events == null) {
                throw e;
            }
            midStreamFailure(events, route, admission.log.failed(e), t0);
        } finally {
            upstream.close();
        }
    }

    /** An answer from the exact-match cache, under a new id, whole or replayed as a stream. */
    private void replay(ChatRequest request, ChatResponse stored, ServerResponse res, long t0, AccessLog.Entry log) {
        String model = stored.body().path("model").asText();
        String id = newId();
        log.answered(id, stored.usage());
        res.header(CACHE, EXACT);
        long overhead = ticker.nanoTime() - t0;
        headers(res, model, 0, EXACT, overhead);
        if (!request.stream()) {
            OpenAiHttp.sendJson(res, 200, wire.completion(stored, id, model));
            done(model, EXACT, "false", 200, t0, overhead);
            return;
        }
        WireFormat.EventStream events = wire.events(OpenAiHttp.startEventStream(res), request, id, model);
        boolean sent = true;
        for (ChatChunk chunk : StreamedCompletion.chunks(stored)) {
            sent = sent && events.relay(chunk);
        }
        sent = sent && events.finish();
        done(model, EXACT, "true", sent ? 200 : 499, t0, overhead);
    }

    /** A failure after the 200 was sent: an error event, and no normal end, so clients see the truncation. */
    private void midStreamFailure(WireFormat.EventStream events, Route route, IccacheException e, long t0) {
        LOG.log(Level.WARNING, "stream from " + route.backend().config().name() + " failed: " + e.getMessage());
        events.fail(e);
        done(route, "true", e.kind().httpStatus(), t0, 0);
    }

    private void fail(ServerResponse res, Route route, ChatRequest request, IccacheException e, long t0) {
        if (e.kind().httpStatus() >= 500) {
            LOG.log(Level.WARNING, e.getMessage());
        }
        if (!res.isSent()) {
            if (route != null) {
                headers(res, route, 0);
            }
            OpenAiHttp.sendJson(res, e.kind().httpStatus(), wire.error(e));
        }
        String stream = request != null && request.stream() ? "true" : "false";
        String backend = route == null ? "none" : route.backend().config().name();
        String why = route == null ? "rejected" : route.reason();
        metrics.requests.labelValues(wire.endpoint(), backend, why, stream, Integer.toString(e.kind().httpStatus()))
                .inc();
    }

    private void headers(ServerResponse res, Route route, long overheadNanos) {
        headers(res, route.backend().config().name(), route.examples(), route.reason(), overheadNanos);
    }

    private void headers(ServerResponse res, String backend, int examples, String reason, long overheadNanos) {
        res.header(MODEL, backend);
        res.header(EXAMPLES, Integer.toString(examples));
        res.header(ROUTE, reason);
        long micros = Math.max(0, overheadNanos) / 1000;
        res.header(OVERHEAD, micros / 1000 + "." + (char) ('0' + micros / 100 % 10) + (char) ('0' + micros / 10 % 10)
                + (char) ('0' + micros % 10));
    }

    private void done(Route route, String stream, int status, long t0, long overheadNanos) {
        done(route.backend().config().name(), route.reason(), stream, status, t0, overheadNanos);
    }

    private void done(String backend, String reason, String stream, int status, long t0, long overheadNanos) {
        metrics.requests.labelValues(wire.endpoint(), backend, reason, stream, Integer.toString(status)).inc();
        metrics.duration.labelValues(backend, stream).observe((ticker.nanoTime() - t0) / 1e9);
        metrics.overhead.observe(Math.max(0, overheadNanos) / 1e9);
    }

    /**
     * What happens to a whole answer: it is stored for identical requests (all its choices) before the
     * client sees its end, so that a client that got it finds it stored; once the response completed,
     * the pair is offered to the bank and the examples used are recorded (the first choice, with the
     * single-choice request; its token counts only when it was the only choice).
     */
    private final class Admission {
        private final Tenant tenant;
        private final ChatRequest request;
        private final Route route;
        private final String model;
        private final boolean noStore;
        private final boolean enabled;
        private final Optional<ExactCache.Key> exactKey;
        private final int n;
        private final KeyLimits.Charge charge;
        private final AccessLog.Entry log;

        Admission(Tenant tenant, ChatRequest request, Route route, boolean noStore, Optional<ExactCache.Key> exactKey,
                int n, KeyLimits.Charge charge, AccessLog.Entry log) {
            this.tenant = tenant;
            this.request = request;
            this.route = route;
            this.model = route.backend().config().name();
            this.noStore = noStore;
            this.enabled = !noStore && !route.shed() && gateway.config().bank().enabled()
                    && gateway.config().isExampleSource(route.backend().config());
            this.exactKey = exactKey;
            this.n = n;
            this.charge = charge;
            this.log = log;
        }

        /**
         * The same, for the route that answered: a fallback's answer is admitted as that backend's, and
         * not kept for identical requests (the model asked for did not give it).
         */
        Admission answeredBy(Route answered) {
            return answered == route ? this : new Admission(tenant, request, answered, noStore,
                    answered.reason().equals(Route.FALLBACK) ? Optional.empty() : exactKey, n, charge, log);
        }

        void keep(ChatResponse answer) {
            exactKey.ifPresent(k -> {
                answer.body().put("model", model); // who answered, for the replay's headers
                exact.put(k, answer);
            });
        }

        void completed(String responseId, ChatResponse answer) {
            charge.answered(model, answer);
            log.answered(responseId, answer.usage());
            if (enabled) {
                Optional<Usage> usage = n == 1 ? answer.usage() : Optional.empty();
                admissions.accept(new Candidate(tenant, request, answer.content(), model, answer.finishReason(),
                        usage.map(Usage::promptTokens).orElse(0), usage.map(Usage::completionTokens).orElse(0),
                        OptionalDouble.empty()));
            }
            gateway.served(responseId, tenant, route, request, answer.content());
            decisions.record(responseId, tenant, route, request);
        }
    }

    /** {@code x-iccache-debug: 1} with the admin key in {@code x-iccache-admin-key}. */
    private boolean debugRequested(ServerRequest req) {
        return req.headers().first(DEBUG).map(v -> v.strip().equals("1")).orElse(false)
                && adminKey.matches(req.headers().first(ADMIN_KEY));
    }

    private String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return wire.idPrefix() + Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }
}
