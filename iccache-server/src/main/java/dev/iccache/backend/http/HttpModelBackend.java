package dev.iccache.backend.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.EventStream;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.backend.EndpointPool;
import dev.iccache.backend.LoadSnapshot;
import dev.iccache.backend.ModelBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.ConfigException;
import dev.iccache.metrics.Metrics;
import dev.iccache.time.SimClock;
import dev.iccache.trace.Tracing;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;

/**
 * A remote OpenAI-compatible backend (vLLM, SGLang, llama.cpp, Ollama, a cloud) over the JDK
 * {@link HttpClient}: chat completions, and the bodies of other endpoints forwarded as they are
 * ({@link #forward}, {@link #forwardStream}) over the same call path. Connect, read (silence) and
 * total timeouts; calls balanced over the
 * backend's endpoints ({@link EndpointPool}: least busy, a circuit breaker each); retries with
 * backoff on connection failures and on 429/502/503/504 before any byte was received, first on
 * the other endpoints, never after; closing a stream early closes the upstream connection.
 * Responses are bounded ({@code max-response-bytes} for a whole response or one stream event,
 * {@code max-stream-bytes} for a whole stream): iccache stops reading at the bound, closes the
 * connection and reports the backend and the limit. The load it reports is the model servers'
 * own ({@link ServerLoadPoller}) while they publish it.
 */
public final class HttpModelBackend implements ModelBackend {
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final long BACKOFF_BASE_MS = 100;
    private static final String CHAT = "/chat/completions";

    private final BackendConfig config;
    private final HttpClient client;
    private final EndpointPool endpoints;
    private final Optional<ServerLoadPoller> serverLoad;
    private final String authorization;
    private final ScheduledExecutorService watchdog;
    private final SimClock clock;
    private final Tracing tracing;

    /**
     * A backend for one-off use (evaluations): its breakers' metrics are its own and it does not
     * read its servers' load.
     *
     * @param env      looks up environment variables (the API key)
     * @param watchdog runs read/total timeout checks
     * @param clock    measures timeouts and breakers' cool-downs, and sleeps between retries
     */
    public HttpModelBackend(BackendConfig config, UnaryOperator<String> env, ScheduledExecutorService watchdog,
            SimClock clock) {
        this(config, env, watchdog, clock, new Metrics(), false, Tracing.NOOP);
    }

    /**
     * A gateway's backend: its endpoints' metrics in {@code metrics}, and its servers' load read
     * as {@code server-load} says.
     *
     * @param watchdog runs read/total timeout checks and the servers' load readings
     * @param tracing  spans of its chat calls and of each HTTP attempt (retries and other endpoints included)
     */
    public HttpModelBackend(BackendConfig config, UnaryOperator<String> env, ScheduledExecutorService watchdog,
            SimClock clock, Metrics metrics, Tracing tracing) {
        this(config, env, watchdog, clock, metrics, config.serverLoad().enabled(), tracing);
    }

    private HttpModelBackend(BackendConfig config, UnaryOperator<String> env, ScheduledExecutorService watchdog,
            SimClock clock, Metrics metrics, boolean readServerLoad, Tracing tracing) {
        this.config = config;
        this.tracing = tracing;
        this.watchdog = watchdog;
        this.clock = clock;
        this.endpoints = new EndpointPool(config.name(), config.baseUrls(), config.breaker(), clock, metrics);
        if (config.apiKeyEnv() != null) {
            String key = env.apply(config.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new ConfigException("backend '" + config.name() + "': environment variable "
                        + config.apiKeyEnv() + " (api-key-env) is not set");
            }
            this.authorization = "Bearer " + key;
        } else {
            this.authorization = null;
        }
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(config.connectTimeoutMs()))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.serverLoad = readServerLoad ? Optional.of(new ServerLoadPoller(config, client, watchdog, clock, metrics))
                : Optional.empty();
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    @Override
    public ChatResponse complete(ChatRequest request) {
        try (Tracing.Span span = chatSpan(request)) {
            try {
                ObjectNode body = exchange(CHAT, upstreamBody(request, false));
                if (!body.path("choices").isArray()) {
                    throw UpstreamErrors.broken(config.name(), "returned a response without 'choices'.");
                }
                ChatResponse response = new ChatResponse(body);
                if (body.path("model").isTextual()) {
                    span.set("gen_ai.response.model", body.path("model").asText());
                }
                if (body.path("id").isTextual()) {
                    span.set("gen_ai.response.id", body.path("id").asText());
                }
                response.usage().ifPresent(u -> span.set("gen_ai.usage.input_tokens", u.promptTokens())
                        .set("gen_ai.usage.output_tokens", u.completionTokens()));
                return response;
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        }
    }

    /** A stream's span ends when its answer starts (its tokens are in the gateway's metrics, not the span). */
    @Override
    public ChatStream stream(ChatRequest request) {
        try (Tracing.Span span = chatSpan(request)) {
            try {
                return new SseChatStream(open(CHAT, upstreamBody(request, true)));
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        }
    }

    /** A chat call's client span, named and described after the OpenTelemetry GenAI semantic conventions. */
    private Tracing.Span chatSpan(ChatRequest request) {
        Tracing.Span span = tracing.start("chat " + config.model(), Tracing.Kind.CLIENT)
                .set("gen_ai.operation.name", "chat").set("gen_ai.provider.name", "openai")
                .set("gen_ai.system", "openai").set("gen_ai.request.model", config.model())
                .set("iccache.backend", config.name());
        request.maxTokens().ifPresent(m -> span.set("gen_ai.request.max_tokens", m));
        return span;
    }

    @Override
    public ObjectNode forward(String path, ObjectNode body) {
        body.put("model", config.model());
        return exchange(path, body);
    }

    @Override
    public EventStream forwardStream(String path, ObjectNode body) {
        body.put("model", config.model());
        return open(path, body);
    }

    /** Sends {@code body} to {@code path} and reads the whole answer, a JSON object of at most max-response-bytes. */
    private ObjectNode exchange(String path, ObjectNode body) {
        CallGuard guard = new CallGuard(config, watchdog, clock);
        int limit = (int) Math.min(config.maxResponseBytes(), Integer.MAX_VALUE - 8);
        try (Sent sent = send(path, body, guard)) {
            HttpResponse<InputStream> response = sent.response();
            try (InputStream in = response.body()) {
                if (response.headers().firstValueAsLong("content-length").orElse(0) > limit) {
                    throw UpstreamErrors.tooLarge(config.name(), "a response", limit, "max-response-bytes");
                }
                byte[] bytes = guard.readUpTo(in, limit);
                if (bytes.length > limit) {
                    throw UpstreamErrors.tooLarge(config.name(), "a response", limit, "max-response-bytes");
                }
                return parseObject(bytes);
            }
        } catch (IOException e) {
            throw guard.failure(e);
        } finally {
            guard.close();
        }
    }

    private ObjectNode parseObject(byte[] body) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw UpstreamErrors.broken(config.name(), "returned a body that is not JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw UpstreamErrors.broken(config.name(), "returned a body that is not a JSON object.");
        }
        return (ObjectNode) node;
    }

    /**
     * Sends {@code body} to {@code path}; its answer's events, read within the call's timeouts and
     * limits, holding the endpoint until closed.
     */
    private SseReader open(String path, ObjectNode body) {
        CallGuard guard = new CallGuard(config, watchdog, clock);
        Sent sent;
        try {
            sent = send(path, body, guard);
        } catch (RuntimeException e) {
            guard.close();
            throw e;
        }
        return new SseReader(new BoundedEventStream(sent.response().body(), config.maxResponseBytes(),
                config.maxStreamBytes()), guard, sent.lease()::close, config.name());
    }

    @Override
    public Optional<LoadSnapshot> reportedLoad() {
        return serverLoad.flatMap(ServerLoadPoller::current);
    }

    @Override
    public void close() {
        serverLoad.ifPresent(ServerLoadPoller::close);
    }

    /** An accepted call: the 200 response and the hold on the endpoint that gave it, released on close. */
    private record Sent(HttpResponse<InputStream> response, EndpointPool.Lease lease) implements AutoCloseable {
        @Override
        public void close() {
            lease.close();
        }
    }

    /** The client's body with this backend's model id and the stream flags iccache needs. */
    ObjectNode upstreamBody(ChatRequest request, boolean stream) {
        ObjectNode body = request.bodyCopy();
        body.put("model", config.model());
        if (stream) {
            body.put("stream", true);
            ObjectNode options = body.path("stream_options").isObject() ? (ObjectNode) body.get("stream_options")
                    : body.putObject("stream_options");
            options.put("include_usage", true);
        } else {
            body.remove("stream");
            body.remove("stream_options");
        }
        return body;
    }

    /**
     * Sends to {@code path} under an endpoint's base URL until a 200 arrives and returns it, its body
     * stream guarded by {@code guard}. Each
     * round tries every endpoint its breaker lets through once, least busy first; a retriable
     * failure goes on to the next untried endpoint at once, and after the last one to another
     * round after the backoff, {@code max-retries} times.
     */
    private Sent send(String path, ObjectNode body, CallGuard guard) {
        byte[] bytes = Json.bytes(body);
        Set<EndpointPool.Endpoint> tried = new HashSet<>();
        IccacheException failure = null;
        long retryAfterMs = -1;
        int retries = 0;
        int attempts = 0;
        while (true) {
            Optional<EndpointPool.Lease> next = endpoints.acquire(tried);
            if (next.isEmpty()) {
                if (failure == null) {
                    throw endpoints.allOpen();
                }
                if (retries >= config.maxRetries() || guard.remainingMs() <= 0) {
                    throw failure;
                }
                long backoff = retryAfterMs >= 0 ? Math.min(retryAfterMs, 2_000) : BACKOFF_BASE_MS << retries;
                retries++;
                try {
                    clock.sleepNanos(Math.min(backoff, guard.remainingMs()) * 1_000_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw failure;
                }
                tried.clear();
                next = endpoints.acquire(tried);
                if (next.isEmpty()) {
                    throw failure;
                }
            }
            EndpointPool.Lease lease = next.get();
            tried.add(lease.endpoint());
            boolean accepted = false;
            URI url = URI.create(lease.endpoint().url() + path);
            try (Tracing.Span span = tracing.start("POST", Tracing.Kind.CLIENT)) {
                span.set("http.request.method", "POST").set("url.full", url.toString())
                        .set("server.address", url.getHost()).set("server.port", url.getPort())
                        .set("http.request.resend_count", attempts++);
                try {
                    HttpResponse<InputStream> response = attempt(lease, path, url, bytes, guard);
                    span.set("http.response.status_code", response.statusCode());
                    accepted = true;
                    return new Sent(response, lease);
                } catch (Retriable r) {
                    span.failed(r.failure);
                    failure = r.failure;
                    retryAfterMs = r.retryAfterMs;
                } catch (RuntimeException e) {
                    span.failed(e);
                    throw e;
                }
            } finally {
                if (!accepted) {
                    lease.close();
                }
            }
        }
    }

    /** A failure before the first byte that another try may not have. */
    private static final class Retriable extends Exception {
        private static final long serialVersionUID = 1L;
        final transient IccacheException failure;
        final long retryAfterMs;

        Retriable(IccacheException failure, long retryAfterMs) {
            super(null, null, false, false);
            this.failure = failure;
            this.retryAfterMs = retryAfterMs;
        }
    }

    /**
     * One try on the lease's endpoint: its 200 response, else a {@link Retriable} failure or a final
     * one (thrown as is). Tells the endpoint's breaker whether the endpoint answered.
     */
    private HttpResponse<InputStream> attempt(EndpointPool.Lease lease, String path, URI url, byte[] bytes,
            CallGuard guard) throws Retriable {
        String baseUrl = lease.endpoint().url();
        HttpRequest.Builder rb = HttpRequest.newBuilder(url)
                .timeout(Duration.ofMillis(Math.max(1, guard.headerTimeoutMs())))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (authorization != null) {
            rb.header("Authorization", authorization);
        }
        tracing.inject(rb::header);
        try {
            HttpResponse<InputStream> response = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
            int status = response.statusCode();
            if (status == 429 || status >= 500) {
                lease.failed();
            } else {
                lease.succeeded();
            }
            if (status == 200) {
                guard.watch(response.body());
                return response;
            }
            byte[] error;
            try (InputStream in = response.body()) {
                guard.watch(in);
                error = guard.readUpTo(in, MAX_ERROR_BODY); // beyond it, the rest is never read
            }
            IccacheException failure = UpstreamErrors.fromStatus(config.name(), path, status, error);
            if (!UpstreamErrors.RETRIABLE_STATUS.contains(status)) {
                throw failure;
            }
            throw new Retriable(failure, response.headers().firstValue("retry-after")
                    .map(HttpModelBackend::parseSeconds).orElse(-1L));
        } catch (HttpConnectTimeoutException e) { // an HttpTimeoutException, but no connection was made
            lease.failed();
            throw new Retriable(UpstreamErrors.unreachable(config.name(), baseUrl, e), -1);
        } catch (HttpTimeoutException e) {
            lease.failed();
            throw UpstreamErrors.timeout(config.name(), "no response headers", guard.headerTimeoutMs());
        } catch (IOException e) {
            lease.failed();
            throw new Retriable(UpstreamErrors.unreachable(config.name(), baseUrl, e), -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw UpstreamErrors.broken(config.name(), "call was interrupted.");
        }
    }

    private static long parseSeconds(String value) {
        try {
            return Long.parseLong(value.strip()) * 1000;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Chat completion chunks from OpenAI server-sent events: {@code data: {...}}, ending with {@code data: [DONE]}. */
    private final class SseChatStream implements ChatStream {
        private final SseReader events;
        private boolean done;
        private boolean sawFinish;

        SseChatStream(SseReader events) {
            this.events = events;
        }

        @Override
        public Optional<ChatChunk> next() {
            if (done) {
                return Optional.empty();
            }
            Optional<String> event;
            while ((event = events.next()).isPresent()) {
                // other fields (event:, id:, retry:) and comments (:) carry nothing for chat completions
                String data = SseReader.data(event.get());
                if (!data.isEmpty()) {
                    Optional<ChatChunk> chunk = event(data);
                    if (chunk.isPresent() || done) {
                        return chunk;
                    }
                }
            }
            if (sawFinish) {
                done = true;
                return Optional.empty();
            }
            throw UpstreamErrors.broken(config.name(), "closed the stream before it completed.");
        }

        private Optional<ChatChunk> event(String data) {
            if (data.equals("[DONE]")) {
                done = true;
                return Optional.empty();
            }
            JsonNode node;
            try {
                node = Json.MAPPER.readTree(data);
            } catch (IOException e) {
                throw UpstreamErrors.broken(config.name(), "sent a stream event that is not JSON: " + abbreviate(data));
            }
            if (node == null || !node.isObject()) {
                throw UpstreamErrors.broken(config.name(), "sent a stream event that is not an object.");
            }
            if (node.has("error")) {
                JsonNode m = node.path("error").path("message");
                throw UpstreamErrors.broken(config.name(), "failed mid-stream: "
                        + (m.isTextual() ? m.asText() : node.get("error").toString()));
            }
            ChatChunk chunk = new ChatChunk((ObjectNode) node);
            if (chunk.finishReason().isPresent()) {
                sawFinish = true;
            }
            return Optional.of(chunk);
        }

        @Override
        public void close() {
            done = true;
            events.close();
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
