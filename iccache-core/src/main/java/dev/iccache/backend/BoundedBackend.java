package dev.iccache.backend;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.EventStream;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Usage;
import dev.iccache.config.BackendConfig;
import dev.iccache.time.Ticker;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * Wraps any {@link ModelBackend} with bounded concurrency (a queue with a timeout behind
 * {@code max-concurrent} slots), the load signal the router reads and the per-backend metrics.
 * Chat calls and forwarded ones ({@link #forward}) share the slots; a stream holds its slot until
 * it is closed.
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
        metrics.inFlight.track(inFlight::get, name);
        metrics.queued.track(queued::get, name);
        metrics.loadSource.track(() -> delegate.reportedLoad().isPresent() ? 1 : 0, name, "server");
        metrics.loadSource.track(() -> delegate.reportedLoad().isPresent() ? 0 : 1, name, "gateway");
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
        ChatResponse response = whole(() -> delegate.complete(request));
        response.usage().ifPresent(this::countTokens);
        return response;
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        return opened(start -> new TrackedStream(delegate.stream(request), start));
    }

    @Override
    public ObjectNode forward(String path, ObjectNode body) {
        return whole(() -> delegate.forward(path, body));
    }

    @Override
    public EventStream forwardStream(String path, ObjectNode body) {
        return opened(start -> {
            EventStream upstream = delegate.forwardStream(path, body);
            StreamCall call = new StreamCall(upstream::close, start);
            return new EventStream() {
                @Override
                public Optional<String> next() {
                    return call.next(upstream::next);
                }

                @Override
                public void close() {
                    call.close();
                }
            };
        });
    }

    /** A call answered whole, in a slot. */
    private <T> T whole(Supplier<T> call) {
        acquire();
        long start = ticker.nanoTime();
        try {
            T answer = call.get();
            finished(start, "false", "ok");
            return answer;
        } catch (RuntimeException e) {
            failed(start, "false", e);
            throw e;
        } finally {
            release();
        }
    }

    /** A stream opened in a slot, which it holds until it is closed. */
    private <S> S opened(LongFunction<S> open) {
        acquire();
        long start = ticker.nanoTime();
        try {
            return open.apply(start);
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
                metrics.errors.labelValues(name, "overloaded").inc();
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
        metrics.requests.labelValues(name, outcome).inc();
        metrics.latency.labelValues(name, stream).observe(seconds);
        if (outcome.equals("ok")) {
            latencyEma.update(seconds * 1000);
        }
    }

    private void failed(long start, String stream, RuntimeException e) {
        finished(start, stream, "error");
        String type = e instanceof IccacheException ie ? ie.kind().name().toLowerCase(java.util.Locale.ROOT)
                : "internal";
        metrics.errors.labelValues(name, type).inc();
    }

    private void countTokens(Usage usage) {
        metrics.tokens.labelValues(name, "prompt").inc(usage.promptTokens());
        metrics.tokens.labelValues(name, "completion").inc(usage.completionTokens());
    }

    /** A stream that records time to first token and frees its slot exactly once on close. */
    private final class TrackedStream implements ChatStream {
        private final ChatStream upstream;
        private final StreamCall call;
        private boolean firstTokenSeen;

        TrackedStream(ChatStream upstream, long start) {
            this.upstream = upstream;
            this.call = new StreamCall(upstream::close, start);
        }

        @Override
        public Optional<ChatChunk> next() {
            Optional<ChatChunk> chunk = call.next(upstream::next);
            if (chunk.isPresent()) {
                if (!firstTokenSeen && chunk.get().hasChoices()) {
                    firstTokenSeen = true;
                    double seconds = (ticker.nanoTime() - call.start) / 1e9;
                    metrics.ttft.labelValues(name).observe(seconds);
                    ttftEma.update(seconds * 1000);
                }
                chunk.get().usage().ifPresent(BoundedBackend.this::countTokens);
            }
            return chunk;
        }

        @Override
        public void close() {
            call.close();
        }
    }

    /**
     * One streamed call holding a slot: records its outcome (ok when read to its end, error when it
     * failed, cancelled when closed before either) and frees the slot exactly once on close.
     */
    private final class StreamCall {
        private final Runnable closeUpstream;
        private final long start;
        private final AtomicBoolean closed = new AtomicBoolean();
        private boolean completed;
        private boolean failed;

        StreamCall(Runnable closeUpstream, long start) {
            this.closeUpstream = closeUpstream;
            this.start = start;
        }

        /** Reads the next item of the upstream stream, noting its end or its failure. */
        <T> Optional<T> next(Supplier<Optional<T>> read) {
            try {
                Optional<T> item = read.get();
                if (item.isEmpty()) {
                    completed = true;
                }
                return item;
            } catch (RuntimeException e) {
                failed = true;
                failed(start, "true", e);
                throw e;
            }
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                try {
                    closeUpstream.run();
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
