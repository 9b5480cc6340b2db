package dev.iccache.backend.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.backend.LoadSnapshot;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.ServerLoadSettings;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import dev.iccache.time.Ticker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads the load of a backend's model servers from their own Prometheus metrics: every
 * {@code server-load.interval-ms}, each endpoint's {@code /metrics} (its base URL without
 * {@code /v1}) within {@code timeout-ms} ({@link ServerReading}), and once for a llama.cpp server
 * its slots ({@code /props}). The backend's load is the sum over its endpoints while every
 * endpoint's reading is fresh (younger than {@value ServerLoadSettings#STALE_INTERVALS}
 * intervals: a failed reading leaves the last one standing until then); otherwise there is none
 * and the gateway counts its own calls. An endpoint that answers without either server's metrics
 * (a 404, say) has no reading and is asked again only every {@value #QUIET_ROUNDS} intervals.
 */
final class ServerLoadPoller implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServerLoadPoller.class.getName());
    /** Intervals between two readings of an endpoint that publishes no load. */
    static final int QUIET_ROUNDS = 60;
    private static final int MAX_BYTES = 4 << 20;

    private final BackendConfig config;
    private final HttpClient client;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final List<Endpoint> endpoints;
    private final Counter scrapes;
    private final ScheduledFuture<?> task;

    /** A reading and when it was taken. */
    private record Taken(ServerReading reading, long atNanos) {
    }

    /** One endpoint's latest reading and the state of its polling. */
    private final class Endpoint {
        final String url;
        final URI metrics;
        final URI props;
        volatile Taken latest;
        volatile int slots;
        volatile boolean busy;
        boolean reReadSlots;
        int quietRounds;
        boolean publishing;

        Endpoint(String url) {
            this.url = url;
            String root = url.endsWith("/v1") ? url.substring(0, url.length() - 3) : url;
            this.metrics = URI.create(root + "/metrics");
            this.props = URI.create(root + "/props");
        }

        double value(java.util.function.ToDoubleFunction<ServerReading> f) {
            Taken t = latest;
            return t == null ? Double.NaN : f.applyAsDouble(t.reading());
        }
    }

    ServerLoadPoller(BackendConfig config, HttpClient client, ScheduledExecutorService scheduler, Ticker ticker,
            Metrics metrics) {
        this.config = config;
        this.client = client;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.endpoints = config.baseUrls().stream().map(Endpoint::new).toList();
        this.scrapes = metrics.counter("iccache_backend_load_scrapes_total",
                "Readings of a model server's metrics, by outcome: ok, unpublished (no known load metrics), failed.",
                "backend", "endpoint", "outcome");
        Metrics.TrackedGauge requests = metrics.gauge("iccache_backend_server_requests",
                "Requests a model server reports, by state (running, waiting); NaN before its first reading.",
                "backend", "endpoint", "state");
        Metrics.TrackedGauge kv = metrics.gauge("iccache_backend_server_kv_cache_usage",
                "Share of its KV cache a model server reports in use; NaN when it does not say.", "backend",
                "endpoint");
        for (Endpoint e : endpoints) {
            requests.track(() -> e.value(ServerReading::running), config.name(), e.url, "running");
            requests.track(() -> e.value(ServerReading::waiting), config.name(), e.url, "waiting");
            kv.track(() -> e.value(r -> r.kvCacheUsage().orElse(Double.NaN)), config.name(), e.url);
        }
        long interval = config.serverLoad().intervalMs();
        this.task = scheduler.scheduleWithFixedDelay(this::round, 0, interval, TimeUnit.MILLISECONDS);
    }

    /** The servers' load while every endpoint's reading is fresh. */
    Optional<LoadSnapshot> current() {
        long now = ticker.nanoTime();
        long staleNanos = ServerLoadSettings.STALE_INTERVALS * config.serverLoad().intervalMs() * 1_000_000;
        double running = 0;
        double waiting = 0;
        int slots = 0;
        for (Endpoint e : endpoints) {
            Taken t = e.latest;
            if (t == null || now - t.atNanos() > staleNanos) {
                return Optional.empty();
            }
            running += t.reading().running();
            waiting += t.reading().waiting();
            slots = slots < 0 || e.slots <= 0 ? -1 : slots + e.slots;
        }
        return Optional.of(new LoadSnapshot((int) Math.round(running), (int) Math.round(waiting),
                slots > 0 ? slots : config.maxConcurrent(), 0, 0));
    }

    private void round() {
        for (Endpoint e : endpoints) {
            if (e.busy) {
                continue;
            }
            if (e.quietRounds > 0) {
                e.quietRounds--;
                continue;
            }
            e.busy = true;
            get(e.metrics).whenComplete((response, failure) -> {
                try {
                    took(e, response, failure);
                } finally {
                    e.busy = false;
                }
            });
        }
    }

    private void took(Endpoint e, HttpResponse<byte[]> response, Throwable failure) {
        String outcome;
        if (failure != null || response.statusCode() >= 500) {
            outcome = "failed"; // the last reading stands until it is stale
            e.reReadSlots = true;
            LOG.log(Level.DEBUG, () -> "backend '" + config.name() + "': reading " + e.metrics + " failed: "
                    + (failure != null ? UpstreamErrors.describe(failure) : "HTTP " + response.statusCode()));
        } else {
            Optional<ServerReading> reading = response.statusCode() == 200 ? parse(response.body()) : Optional.empty();
            if (reading.isPresent()) {
                outcome = "ok";
                e.latest = new Taken(reading.get(), ticker.nanoTime());
                if (reading.get().server().equals("llama.cpp") && (e.slots == 0 || e.reReadSlots)) {
                    e.reReadSlots = false;
                    readSlots(e); // a restarted server may have other slots
                }
                changed(e, true, reading.get().server() + "'s metrics");
            } else {
                outcome = "unpublished";
                e.latest = null;
                e.quietRounds = QUIET_ROUNDS - 1;
                changed(e, false, "no load metrics (HTTP " + response.statusCode() + ")");
            }
        }
        scrapes.labelValues(config.name(), e.url, outcome).inc();
    }

    private static Optional<ServerReading> parse(byte[] body) {
        try {
            return ServerReading.of(PrometheusText.parse(new String(body, StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException ex) {
            LOG.log(Level.DEBUG, "unreadable metrics: " + ex.getMessage());
            return Optional.empty();
        }
    }

    /** A llama.cpp server's slots ({@code total_slots} of {@code /props}): the requests it runs at once. */
    private void readSlots(Endpoint e) {
        get(e.props).thenAccept(r -> {
            if (r.statusCode() == 200) {
                try {
                    JsonNode slots = Json.MAPPER.readTree(r.body()).path("total_slots");
                    if (slots.canConvertToInt() && slots.asInt() > 0) {
                        e.slots = slots.asInt();
                    }
                } catch (IOException ignored) {
                    // no slots: the capacity stays max-concurrent
                }
            }
        });
    }

    private void changed(Endpoint e, boolean publishing, String what) {
        if (publishing != e.publishing) {
            e.publishing = publishing;
            LOG.log(Level.INFO, "backend ''{0}'' at {1}: {2} its load from {3}", config.name(), e.url,
                    publishing ? "reading" : "no longer reading", publishing ? what : e.metrics + " (" + what
                    + "); counting the gateway's own calls");
        }
    }

    /** A GET of at most {@link #MAX_BYTES}, cancelled after {@code timeout-ms}. */
    private CompletableFuture<HttpResponse<byte[]>> get(URI uri) {
        long timeout = config.serverLoad().timeoutMs();
        CompletableFuture<HttpResponse<byte[]>> f = client.sendAsync(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis(timeout)).GET().build(), info -> new Bounded());
        ScheduledFuture<?> cancel = scheduler.schedule(() -> f.cancel(true), timeout, TimeUnit.MILLISECONDS);
        f.whenComplete((r, t) -> cancel.cancel(false));
        return f;
    }

    @Override
    public void close() {
        task.cancel(false);
    }

    /** A response body kept in memory up to {@link #MAX_BYTES}; beyond it the body fails. */
    private static final class Bounded implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer b : buffers) {
                if (out.size() + b.remaining() > MAX_BYTES) {
                    subscription.cancel();
                    body.completeExceptionally(new IOException("metrics larger than " + MAX_BYTES + " bytes"));
                    return;
                }
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                out.write(bytes, 0, bytes.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(out.toByteArray());
        }
    }
}
