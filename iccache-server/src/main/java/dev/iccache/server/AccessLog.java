package dev.iccache.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.api.Usage;
import dev.iccache.config.AccessLogSettings;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import dev.iccache.time.SimClock;
import dev.iccache.time.Ticker;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.ServerRequest;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The structured access log: one JSON line per request to an API ({@code /v1/...}) or admin
 * ({@code /admin/...}) endpoint, written by one writer thread that empties a bounded queue every
 * {@value #WRITE_INTERVAL_MS} ms (requests wake no thread). A request never waits for the log: when
 * the queue is full its line is dropped and counted in {@code iccache_access_log_dropped_total}.
 * Lines hold no prompt or answer text.
 */
final class AccessLog implements Closeable {
    /** Lines waiting for the writer at most. */
    static final int QUEUE_CAPACITY = 8192;
    /** How often the writer empties the queue. */
    static final long WRITE_INTERVAL_MS = 50;
    private static final System.Logger LOG = System.getLogger(AccessLog.class.getName());
    private static final HeaderName MODEL = HeaderNames.create("x-iccache-model");
    private static final HeaderName ROUTE = HeaderNames.create("x-iccache-route");
    private static final HeaderName EXAMPLES = HeaderNames.create("x-iccache-examples");
    private static final HeaderName OVERHEAD = HeaderNames.create("x-iccache-overhead-ms");

    /** Where lines go, one at a time from the writer thread. */
    interface Sink extends Closeable {
        void write(String line) throws IOException;

        /** Called after each batch of lines. */
        void flush() throws IOException;
    }

    /**
     * What a handler knows about its request, filled in as it learns it; the filter writes it when the
     * response is sent. Every part is optional.
     */
    static final class Entry {
        private String tenant;
        private String model;
        private Boolean stream;
        private String id;
        private Usage usage;
        private String error;

        void tenant(String name) {
            tenant = name;
        }

        /** The model the client asked for and whether it asked for a stream. */
        void asked(String name, boolean streamed) {
            model = name;
            stream = streamed;
        }

        void streamed(boolean value) {
            stream = value;
        }

        /** The id of the response sent (or, for feedback, of the response judged), with its tokens when known. */
        void answered(String responseId, Optional<Usage> tokens) {
            id = responseId;
            usage = tokens.orElse(null);
        }

        /** Records {@code e}'s OpenAI error type and returns it. */
        IccacheException failed(IccacheException e) {
            error = e.kind().type();
            return e;
        }
    }

    private final BlockingQueue<String> queue;
    private final Sink sink;
    private final InstantSource clock;
    private final Ticker ticker;
    private final SimClock pacer;
    private final CounterDataPoint dropped;
    private final Thread writer;
    private volatile boolean closing;

    /**
     * @param ticker times requests
     * @param pacer  paces the writer (real time: a virtual clock must not move because the log waits)
     */
    AccessLog(Sink sink, int capacity, InstantSource clock, Ticker ticker, SimClock pacer, Metrics registry) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sink = sink;
        this.clock = clock;
        this.ticker = ticker;
        this.pacer = pacer;
        this.dropped = registry.counter("iccache_access_log_dropped_total",
                "Access log lines dropped because the writer fell behind or failed.");
        this.writer = Thread.ofPlatform().daemon().name("iccache-access-log").start(this::drain);
    }

    /** The access log {@code settings} describe, writing to stdout, stderr or a file appended to. */
    static AccessLog open(AccessLogSettings settings, InstantSource clock, Ticker ticker, Metrics registry) {
        return new AccessLog(sink(settings.path()), QUEUE_CAPACITY, clock, ticker, SimClock.REAL, registry);
    }

    /** The entry of the request being handled, or a detached one when the request is not logged. */
    static Entry entry(ServerRequest req) {
        return req.context().get(Entry.class).orElseGet(Entry::new);
    }

    /** Logs API and admin requests: times them and writes their entry once the handler returns. */
    Filter filter() {
        return (chain, req, res) -> {
            String path = req.path().path();
            boolean admin = path.startsWith("/admin/");
            if (!admin && !path.startsWith("/v1/")) {
                chain.proceed();
                return;
            }
            String time = clock.instant().toString();
            long t0 = ticker.nanoTime();
            Entry entry = new Entry();
            req.context().register(entry);
            try {
                chain.proceed();
            } finally {
                ObjectNode line = Json.object();
                line.put("time", time);
                putIfKnown(line, "id", entry.id);
                line.put("endpoint", path);
                if (admin) {
                    line.put("admin", true);
                }
                putIfKnown(line, "tenant", entry.tenant);
                putIfKnown(line, "model", entry.model);
                res.headers().first(MODEL).ifPresent(v -> line.put("model_used", v));
                res.headers().first(ROUTE).ifPresent(v -> line.put("route", v));
                res.headers().first(EXAMPLES).ifPresent(v -> line.put("examples", Integer.parseInt(v)));
                if (entry.stream != null) {
                    line.put("stream", entry.stream);
                }
                if (entry.usage != null) {
                    line.put("prompt_tokens", entry.usage.promptTokens());
                    line.put("completion_tokens", entry.usage.completionTokens());
                }
                line.put("latency_ms", (ticker.nanoTime() - t0) / 1_000_000.0);
                res.headers().first(OVERHEAD).ifPresent(v -> line.put("overhead_ms", Double.parseDouble(v)));
                line.put("status", res.status().code());
                putIfKnown(line, "error", entry.error);
                offer(line);
            }
        };
    }

    /** Queues one line; drops and counts it when the queue is full. */
    void offer(ObjectNode line) {
        String text;
        try {
            text = Json.MAPPER.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        if (!queue.offer(text)) {
            dropped.inc();
        }
    }

    /** Writes the lines queued so far, then stops the writer and closes the sink. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            sink.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing the access log failed: " + e.getMessage());
        }
    }

    private void drain() {
        List<String> batch = new ArrayList<>();
        boolean failing = false;
        while (true) {
            boolean last = closing; // read before draining: every line queued before close() is written
            queue.drainTo(batch);
            if (!batch.isEmpty()) {
                try {
                    for (String line : batch) {
                        sink.write(line);
                    }
                    sink.flush();
                    failing = false;
                } catch (IOException e) {
                    dropped.inc(batch.size());
                    if (!failing) {
                        LOG.log(Level.WARNING, "writing the access log failed; lines are dropped until it works: "
                                + e.getMessage());
                    }
                    failing = true;
                }
                batch.clear();
            }
            if (last) {
                return;
            }
            try {
                pacer.sleepNanos(TimeUnit.MILLISECONDS.toNanos(WRITE_INTERVAL_MS));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void putIfKnown(ObjectNode line, String field, String value) {
        if (value != null) {
            line.put(field, value);
        }
    }

    private static Sink sink(String path) {
        return switch (path) {
            case AccessLogSettings.STDOUT -> writerSink(new OutputStreamWriter(new Unclosed(System.out),
                    StandardCharsets.UTF_8));
            case AccessLogSettings.STDERR -> writerSink(new OutputStreamWriter(new Unclosed(System.err),
                    StandardCharsets.UTF_8));
            default -> {
                try {
                    Path file = Path.of(path);
                    if (file.getParent() != null) {
                        Files.createDirectories(file.getParent());
                    }
                    yield writerSink(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot open the access log " + path + ": " + e.getMessage(), e);
                }
            }
        };
    }

    private static Sink writerSink(Writer out) {
        BufferedWriter buffered = out instanceof BufferedWriter b ? b : new BufferedWriter(out);
        return new Sink() {
            @Override
            public void write(String line) throws IOException {
                buffered.write(line);
                buffered.write('\n');
            }

            @Override
            public void flush() throws IOException {
                buffered.flush();
            }

            @Override
            public void close() throws IOException {
                buffered.close();
            }
        };
    }

    /** Standard output or error, flushed but never closed by the log. */
    private static final class Unclosed extends java.io.FilterOutputStream {
        Unclosed(PrintStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
