package dev.iccache.backend;

import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Usage;
import dev.iccache.config.BackendConfig;
import dev.iccache.time.Ticker;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps any {@link ModelBackend} with bounded concurrency (a queue with a timeout behind
 * {@code max-concurrent} slots), the load signal the router reads and the per-backend metrics.
 * A stream holds its slot until it is closed.
 */
public final class BoundedBackend implements ModelBackend {
    private static final double EMA_ALPHA = 0.1;

    private final ModelBackend delegate;
    private final Ticker ticker;
    private final Semaphore slots;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final Ema latencyEma = new Ema();
    private final Ema ttftEma = new Ema();
    private final BackendMetrics metrics;
    private final String name;

    public BoundedBackend(ModelBackend delegate, Ticker ticker, BackendMetrics metrics) {
        this.delegate = delegate;
        this.ticker = ticker;
        this.metrics = metrics;
        this.name = delegate.config().name();
        this.slots = new Semaphore(delegate.config().maxConcurrent(), true);
        metrics.inFlight.labels(name).track(inFlight::get);
        metrics.queued.labels(name).track(queued::get);
        metrics.loadSource.labels(name, "server").track(() -> delegate.reportedLoad().isPresent() ? 1 : 0);
        metrics.loadSource.labels(name, "gateway").track(() -> delegate.reportedLoad().isPresent() ? 0 : 1);
    }

    @Override
    public BackendConfig config() {
        return delegate.config();
    }

    /**
     * Current load, for the router: as the server reports it (its running and waiting requests, plus
     * the calls waiting here for a slot, which the server has not seen yet), else as counted here.
     */
    public LoadSnapshot load() {
        Optional<LoadSnapshot> reported = delegate.reportedLoad();
        if (reported.isPresent()) {
            LoadSnapshot r = reported.get();
            return new LoadSnapshot(r.inFlight(), r.queued() + queued.get(), r.capacity(), latencyEma.get(),
                    ttftEma.get());
        }
        return new LoadSnapshot(inFlight.get(), queued.get(), config().maxConcurrent(), latencyEma.get(),
                ttftEma.get());
    }

    @Override
    public ChatResponse complete(ChatRequest request) {
        acquire();
        long start = ticker.nanoTime();
        try {
            ChatResponse response = delegate.complete(request);
            finished(start, "false", "ok");
            response.usage().ifPresent(this::countTokens);
            return response;
        } catch (RuntimeException e) {
            failed(start, "false", e);
            throw e;
        } finally {
            release();
        }
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        acquire();
        long start = ticker.nanoTime();
        try {
            return new TrackedStream(delegate.stream(request), start);
        } catch (RuntimeException e) {
            failed(start, "true", e);
            release();
            throw e;
        }
    }

    @Override
    public void close() {
        delegate.close();
    }

    private void acquire() {
        queued.incrementAndGet();
        try {
            if (!slots.tryAcquire(config().queueTimeoutMs(), TimeUnit.MILLISECONDS)) {
                metrics.errors.labels(name, "overloaded").inc();
                throw IccacheException.of(ErrorKind.OVERLOADED, "Backend '" + name + "' is at its limit of "
                        + config().maxConcurrent() + " concurrent requests and no slot freed within "
                        + config().queueTimeoutMs() + " ms.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IccacheException.of(ErrorKind.OVERLOADED, "Interrupted while waiting for backend '" + name + "'.");
        } finally {
            queued.decrementAndGet();
        }
        inFlight.incrementAndGet();
    }

    private void release() {
        inFlight.decrementAndGet();
        slots.release();
    }

    private void finished(long start, String stream, String outcome) {
        double seconds = (ticker.nanoTime() - start) / 1e9;
        metrics.requests.labels(name, outcome).inc();
        metrics.latency.labels(name, stream).observe(seconds);
        if (outcome.equals("ok")) {
            latencyEma.update(seconds * 1000);
        }
    }

    private void failed(long start, String stream, RuntimeException e) {
        finished(start, stream, "error");
        String type = e instanceof IccacheException ie ? ie.kind().name().toLowerCase(java.util.Locale.ROOT)
                : "internal";
        metrics.errors.labels(name, type).inc();
    }

    private void countTokens(Usage usage) {
        metrics.tokens.labels(name, "prompt").inc(usage.promptTokens());
        metrics.tokens.labels(name, "completion").inc(usage.completionTokens());
    }

    /** A stream that records time to first token and frees its slot exactly once on close. */
    private final class TrackedStream implements ChatStream {
        private final ChatStream upstream;
        private final long start;
        private final AtomicBoolean closed = new AtomicBoolean();
        private boolean firstTokenSeen;
        private boolean completed;
        private boolean failed;

        TrackedStream(ChatStream upstream, long start) {
            this.upstream = upstream;
            this.start = start;
        }

        @Override
        public Optional<ChatChunk> next() {
            try {
                Optional<ChatChunk> chunk = upstream.next();
                if (chunk.isEmpty()) {
                    completed = true;
                } else {
                    if (!firstTokenSeen && chunk.get().hasChoices()) {
                        firstTokenSeen = true;
                        double seconds = (ticker.nanoTime() - start) / 1e9;
                        metrics.ttft.labels(name).observe(seconds);
                        ttftEma.update(seconds * 1000);
                    }
                    chunk.get().usage().ifPresent(BoundedBackend.this::countTokens);
                }
                return chunk;
            } catch (RuntimeException e) {
                failed = true;
                failed(start, "true", e);
                throw e;
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                try {
                    upstream.close();
                } finally {
                    if (completed) {
                        finished(start, "true", "ok");
                    } else if (!failed) {
                        finished(start, "true", "cancelled");
                    }
                    release();
                }
            }
        }
    }

    /** Exponential moving average; 0 until the first sample. */
    private static final class Ema {
        private double value;
        private boolean seeded;

        synchronized void update(double sample) {
            value = seeded ? value + EMA_ALPHA * (sample - value) : sample;
            seeded = true;
        }

        synchronized double get() {
            return value;
        }
    }
}
