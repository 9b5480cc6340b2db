package dev.iccache.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.iccache.api.Json;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.AccessLogSettings;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.config.TracingSettings;
import dev.iccache.server.GatewayServer;
import dev.iccache.server.SimBackendServer;
import dev.iccache.time.SimClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Load generator (not a test, not JMH) for the latency iccache adds on top of a backend: the same
 * requests are sent to a simulated backend directly and through the gateway, on 127.0.0.1, in the
 * same JVM and the same run, and the latency distributions are compared.
 *
 * <p>Setup: a {@link SimulatedBackend} with an "instant" profile (no scheduling overhead,
 * 10<sup>12</sup> tokens/s prefill and decode, batch of 4096) served over HTTP by
 * {@link SimBackendServer}, and a {@link GatewayServer} with that server as its only (remote)
 * backend {@code sim-fast}. With {@code max_tokens} small (16 by default) the backend costs next to
 * nothing, so "gateway minus direct" is what the gateway adds: one more HTTP hop on loopback, JSON
 * parse and re-serialisation, routing, bounded-concurrency bookkeeping, metrics and headers.
 *
 * <p>Method: one JDK {@link HttpClient} (HTTP/1.1, keep-alive) per target. After a warm-up, each
 * cell (mode x concurrency) runs {@code --requests} requests per target in blocks of
 * {@code --block} requests, alternating targets in an A-B-B-A order so drift (JIT, GC, other load
 * on the machine) hits both alike. Within a block, {@code concurrency} virtual threads send
 * requests back to back (closed loop). Latency is {@link System#nanoTime()} from just before
 * {@code send} to the complete body (non-streaming) or to the {@code data: [DONE]} line
 * (streaming). "Added at p99" is the difference of the two p99s, not the p99 of a difference.
 * The gateway's own estimate ({@code x-iccache-overhead-ms} response header) is recorded too.
 *
 * <p>Run (from the repository root; builds the module if needed, passes arguments through):
 * <pre>
 *   iccache-bench/run-overhead.sh [--requests 10000] [--warmup 2000] [--concurrency 1,16]
 *       [--modes non-streaming,streaming] [--block 250] [--max-seconds 60] [--max-tokens 16]
 *       [--json overhead.json] [--tracing on]
 * </pre>
 * or, after {@code ./mvnw -q -DskipTests package -pl iccache-bench -am} (the jar's manifest puts
 * {@code target/libs/*} on the class path; the two module flags are the ones the {@code iccache}
 * launcher uses):
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *       -cp iccache-bench/target/iccache-bench-0.1.0-SNAPSHOT.jar dev.iccache.bench.GatewayOverheadBenchmark
 * </pre>
 * Results and caveats: docs/benchmarks.md.
 */
public final class GatewayOverheadBenchmark {
    private static final String MODEL = "sim-fast";
    private static final String HEADER_OVERHEAD = "x-iccache-overhead-ms";
    private static final int PROMPTS = 64;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** Near-zero-cost model: no scheduling overhead, effectively infinite prefill and decode rates. */
    static final SimProfile INSTANT = new SimProfile("instant", 1, 0, 1e12, 1e12, 0, 4096, 8192, 16);

    record Options(int requests, int warmup, int[] concurrency, List<Mode> modes, int block, double maxSeconds,
            int maxTokens, Path json, boolean tracing) {
    }

    enum Mode {
        NON_STREAMING("non-streaming"), STREAMING("streaming");

        final String label;

        Mode(String label) {
            this.label = label;
        }

        static Mode parse(String s) {
            return switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "non-streaming", "nonstream", "json", "false" -> NON_STREAMING;
                case "streaming", "stream", "sse", "true" -> STREAMING;
                default -> throw new IllegalArgumentException("unknown mode '" + s
                        + "' (non-streaming, streaming)");
            };
        }
    }

    /** One target: a base URL and its own HTTP client. */
    static final class Target {
        final String name;
        final URI endpoint;
        final HttpClient client;
        final boolean gateway;

        Target(String name, String baseUrl, boolean gateway) {
            this.name = name;
            this.endpoint = URI.create(baseUrl + "/chat/completions");
            this.gateway = gateway;
            this.client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
    }

    /** Samples of one target in one cell. */
    static final class Samples {
        final long[] latencyNanos;
        final long[] firstEventNanos;
        final double[] headerOverheadMs;
        final AtomicInteger count = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicReference<String> firstError = new AtomicReference<>();
        long wallNanos;

        Samples(int capacity) {
            latencyNanos = new long[capacity];
            firstEventNanos = new long[capacity];
            headerOverheadMs = new double[capacity];
        }

        void add(long latency, long firstEvent, double overheadMs) {
            int i = count.getAndIncrement();
            if (i < latencyNanos.length) {
                latencyNanos[i] = latency;
                firstEventNanos[i] = firstEvent;
                headerOverheadMs[i] = overheadMs;
            }
        }

        void fail(String why) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, why);
        }

        int n() {
            return Math.min(count.get(), latencyNanos.length);
        }
    }

    /** The summary of one cell: one mode at one concurrency. */
    record Cell(Mode mode, int concurrency, Summary direct, Summary gateway) {
        double addedP50Ms() {
            return gateway.p50Ms - direct.p50Ms;
        }

        double addedP99Ms() {
            return gateway.p99Ms - direct.p99Ms;
        }

        double ratioP50() {
            return gateway.p50Ms / direct.p50Ms;
        }
    }

    record Summary(int n, int errors, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs,
            double meanMs, double throughputRps, double firstEventP50Ms, double headerOverheadP50Ms,
            double headerOverheadP99Ms) {
        static Summary of(Samples s, boolean streaming, boolean gateway) {
            int n = s.n();
            long[] lat = Arrays.copyOf(s.latencyNanos, n);
            Arrays.sort(lat);
            long[] first = Arrays.copyOf(s.firstEventNanos, n);
            Arrays.sort(first);
            double[] hdr = Arrays.copyOf(s.headerOverheadMs, n);
            Arrays.sort(hdr);
            double mean = n == 0 ? Double.NaN : Arrays.stream(lat).average().orElse(Double.NaN) / 1e6;
            return new Summary(n, s.errors.get(), pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99), pct(lat, 0.999),
                    n == 0 ? Double.NaN : lat[n - 1] / 1e6, mean,
                    s.wallNanos == 0 ? Double.NaN : n / (s.wallNanos / 1e9),
                    streaming ? pct(first, 0.50) : Double.NaN,
                    gateway ? pct(hdr, 0.50) : Double.NaN, gateway ? pct(hdr, 0.99) : Double.NaN);
        }

        /** Nearest-rank percentile of sorted nanos, in ms. */
        private static double pct(long[] sorted, double q) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
        }

        private static double pct(double[] sorted, double q) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }
    }

    private final Options options;
    private final List<byte[]> nonStreamingBodies = new ArrayList<>();
    private final List<byte[]> streamingBodies = new ArrayList<>();

    GatewayOverheadBenchmark(Options options) {
        this.options = options;
        for (int i = 0; i < PROMPTS; i++) {
            nonStreamingBodies.add(body(i, false));
            streamingBodies.add(body(i, true));
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (options == null) {
            System.out.println(usage());
            return;
        }
        // Helidon and the gateway log start/stop at INFO; keep the report readable (warnings still show).
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        new GatewayOverheadBenchmark(options).run();
    }

    private void run() throws Exception {
        int maxConcurrency = Arrays.stream(options.concurrency).max().orElse(1);
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        long started = System.nanoTime();
        SimulatedBackend backend = new SimulatedBackend(BackendConfig.simulated(MODEL, "small", 1.0), INSTANT,
                SimClock.REAL, InstantSource.system(), 7, 1.0);
        Path dataDir = Files.createTempDirectory("iccache-overhead-bench");
        Optional<HttpServer> collector = options.tracing ? Optional.of(traceSink()) : Optional.empty();
        try (SimBackendServer sim = new SimBackendServer(backend, "127.0.0.1", 0).start()) {
            String simBase = "http://127.0.0.1:" + sim.port() + "/v1";
            // Full constructor: max-concurrent well above the client concurrency so the gateway never queues.
            BackendConfig upstream = new BackendConfig(MODEL, simBase, null, null, BackendRole.SMALL, 0, 0,
                    Math.max(64, 4 * maxConcurrency), 0, 0, 0, 0, 2, null, 0);
            IccacheConfig config = IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 4L << 20))
                    .defaultModel(MODEL).dataDir(dataDir).accessLog(AccessLogSettings.file(dataDir))
                    .bank(BankConfig.DEFAULT.withStore("memory"))
                    .tracing(collector.map(c -> TracingSettings.to("http://127.0.0.1:" + c.getAddress().getPort()
                            + "/v1/traces")).orElse(TracingSettings.OFF))
                    .backends(List.of(upstream)).build();
            try (GatewayServer gateway = GatewayServer.start(config)) {
                Target direct = new Target("direct", simBase, false);
                Target viaGateway = new Target("gateway", "http://127.0.0.1:" + gateway.port() + "/v1", true);
                printHeader(sim.port(), gateway.port(), loadBefore);
                sanityCheck(direct, viaGateway);

                for (Mode mode : options.modes) {
                    if (options.warmup > 0) {
                        long w0 = System.nanoTime();
                        runCell(mode, maxConcurrency, options.warmup, direct, viaGateway);
                        System.out.printf(Locale.ROOT, "warm-up %s: %d requests per target in %.1f s%n", mode.label,
                                options.warmup, (System.nanoTime() - w0) / 1e9);
                    }
                }
                System.out.println();
                List<Cell> cells = new ArrayList<>();
                for (Mode mode : options.modes) {
                    for (int c : options.concurrency) {
                        Samples[] s = runCell(mode, c, options.requests, direct, viaGateway);
                        boolean streaming = mode == Mode.STREAMING;
                        Cell cell = new Cell(mode, c, Summary.of(s[0], streaming, false),
                                Summary.of(s[1], streaming, true));
                        cells.add(cell);
                        report(s, cell);
                    }
                }
                double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                double seconds = (System.nanoTime() - started) / 1e9;
                printTable(cells);
                System.out.printf(Locale.ROOT, "%nload average (1 min) before %.2f, after %.2f; total %.1f s%n",
                        loadBefore, loadAfter, seconds);
                if (options.json != null) {
                    writeJson(cells, loadBefore, loadAfter, seconds);
                    System.out.println("wrote " + options.json);
                }
            }
        } finally {
            collector.ifPresent(c -> c.stop(0));
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * A loopback OTLP/HTTP traces endpoint that takes every export and keeps nothing, so that the
     * gateway's spans are built, batched, encoded and sent as they would be to a collector.
     */
    private static HttpServer traceSink() throws IOException {
        HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        sink.start();
        return sink;
    }

    /** One cell: {@code requests} per target, in alternating blocks, {@code concurrency} clients per block. */
    private Samples[] runCell(Mode mode, int concurrency, int requests, Target direct, Target gateway)
            throws InterruptedException {
        Samples[] samples = {new Samples(requests), new Samples(requests)};
        Target[] targets = {direct, gateway};
        long deadline = System.nanoTime() + (long) (options.maxSeconds * 1e9);
        int[] sent = new int[2];
        int block = 0;
        while ((sent[0] < requests || sent[1] < requests) && System.nanoTime() < deadline) {
            // A B B A A B B A ...: each target goes first equally often
            int t = (block % 4 == 0 || block % 4 == 3) ? 0 : 1;
            block++;
            int n = Math.min(options.block, requests - sent[t]);
            if (n <= 0) {
                continue;
            }
            long b0 = System.nanoTime();
            runBlock(mode, concurrency, n, targets[t], samples[t], sent[t]);
            samples[t].wallNanos += System.nanoTime() - b0;
            sent[t] += n;
        }
        for (int t = 0; t < 2; t++) {
            Samples s = samples[t];
            if (s.errors.get() > 0) {
                System.err.printf(Locale.ROOT, "%s %s c=%d: %d errors, first: %s%n", targets[t].name, mode.label,
                        concurrency, s.errors.get(), s.firstError.get());
            }
        }
        return samples;
    }

    private void runBlock(Mode mode, int concurrency, int n, Target target, Samples samples, int offset)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<byte[]> bodies = mode == Mode.STREAMING ? streamingBodies : nonStreamingBodies;
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < Math.min(concurrency, n); w++) {
                workers.execute(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        byte[] body = bodies.get((offset + i) % PROMPTS);
                        try {
                            if (mode == Mode.STREAMING) {
                                stream(target, body, samples);
                            } else {
                                complete(target, body, samples);
                            }
                        } catch (IOException e) {
                            samples.fail(e.toString());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                });
            }
        }
    }

    private static HttpRequest request(Target target, byte[] body) {
        return HttpRequest.newBuilder(target.endpoint)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    private static void complete(Target target, byte[] body, Samples samples) throws IOException, InterruptedException {
        HttpRequest request = request(target, body);
        long t0 = System.nanoTime();
        HttpResponse<byte[]> response = target.client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        long latency = System.nanoTime() - t0;
        if (response.statusCode() != 200) {
            samples.fail("HTTP " + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8));
            return;
        }
        samples.add(latency, latency, overheadHeader(target, response));
    }

    private static void stream(Target target, byte[] body, Samples samples) throws IOException, InterruptedException {
        HttpRequest request = request(target, body);
        long t0 = System.nanoTime();
        HttpResponse<InputStream> response = target.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                StringBuilder error = new StringBuilder();
                String line;
                while ((line = reader.readLine()) != null) {
                    error.append(line);
                }
                samples.fail("HTTP " + response.statusCode() + ": " + error);
                return;
            }
            long firstEvent = -1;
            boolean done = false;
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data:")) {
                    if (firstEvent < 0) {
                        firstEvent = System.nanoTime() - t0;
                    }
                    if (line.equals("data: [DONE]")) {
                        done = true;
                        break;
                    }
                }
            }
            long latency = System.nanoTime() - t0;
            if (!done) {
                samples.fail("stream ended without data: [DONE]");
                return;
            }
            // Drain to the end of the chunked body so the connection goes back to the pool.
            while (reader.readLine() != null) {
                // nothing follows [DONE]
            }
            samples.add(latency, firstEvent, overheadHeader(target, response));
        }
    }

    private static double overheadHeader(Target target, HttpResponse<?> response) {
        if (!target.gateway) {
            return Double.NaN;
        }
        return response.headers().firstValue(HEADER_OVERHEAD).map(Double::parseDouble).orElse(Double.NaN);
    }

    /** Both targets answer the same prompt with the same text, and the gateway really routed it to sim-fast. */
    private void sanityCheck(Target direct, Target gateway) throws IOException, InterruptedException {
        HttpResponse<String> a = direct.client.send(request(direct, nonStreamingBodies.get(0)),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> b = gateway.client.send(request(gateway, nonStreamingBodies.get(0)),
                HttpResponse.BodyHandlers.ofString());
        if (a.statusCode() != 200 || b.statusCode() != 200) {
            throw new IllegalStateException("sanity check failed: direct HTTP " + a.statusCode() + " " + a.body()
                    + ", gateway HTTP " + b.statusCode() + " " + b.body());
        }
        String textA = Json.MAPPER.readTree(a.body()).path("choices").path(0).path("message").path("content").asText();
        JsonNode nodeB = Json.MAPPER.readTree(b.body());
        String textB = nodeB.path("choices").path(0).path("message").path("content").asText();
        String routedTo = b.headers().firstValue("x-iccache-model").orElse("?");
        if (!textA.equals(textB) || !MODEL.equals(routedTo)) {
            throw new IllegalStateException("sanity check failed: gateway (model " + routedTo + ") answered '" + textB
                    + "', direct answered '" + textA + "'");
        }
        int tokens = nodeB.path("usage").path("completion_tokens").asInt();
        System.out.printf(Locale.ROOT, "sanity check: same %d-token answer direct and via gateway (%s)%n%n", tokens,
                abbreviate(textA, 60));
    }

    private byte[] body(int i, boolean stream) {
        ObjectNode body = Json.object();
        body.put("model", MODEL);
        body.put("max_tokens", options.maxTokens);
        if (stream) {
            body.put("stream", true);
        }
        body.putArray("messages").addObject().put("role", "user")
                .put("content", "Overhead benchmark prompt " + i + ": say something short.");
        return Json.bytes(body);
    }

    private void printHeader(int simPort, int gatewayPort, double load) {
        System.out.println("iccache gateway overhead benchmark: SIMULATED near-zero-cost backend, all on 127.0.0.1");
        System.out.printf(Locale.ROOT, "java %s (%s), %d CPUs available, load average %.2f%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), load);
        System.out.printf(Locale.ROOT, "sim backend :%d (profile %s), gateway :%d -> sim-fast, tracing %s%n",
                simPort, INSTANT.name(), gatewayPort, options.tracing ? "on (OTLP to a loopback sink)" : "off");
        System.out.printf(Locale.ROOT, "requests %d per target per cell (max %.0f s per cell), warm-up %d per target "
                + "per mode, blocks of %d (A-B-B-A), concurrency %s, max_tokens %d%n", options.requests,
                options.maxSeconds, options.warmup, options.block, Arrays.toString(options.concurrency),
                options.maxTokens);
    }

    private static void report(Samples[] s, Cell cell) {
        System.out.printf(Locale.ROOT, "%-13s c=%-3d direct n=%d p50 %.3f ms | gateway n=%d p50 %.3f ms | added p50 "
                + "%.3f ms%n", cell.mode.label, cell.concurrency, s[0].n(), cell.direct.p50Ms, s[1].n(),
                cell.gateway.p50Ms, cell.addedP50Ms());
    }

    private static void printTable(List<Cell> cells) {
        System.out.println();
        System.out.println("latency in ms; added = gateway - direct at the same percentile; rps = requests/s of that"
                + " target alone");
        String head = String.format(Locale.ROOT, "| %-13s | %4s | %6s | %7s | %7s | %7s | %7s | %9s | %9s | %5s | %7s "
                + "| %7s | %8s |", "mode", "conc", "n", "dir p50", "dir p99", "gw p50", "gw p99", "added p50",
                "added p99", "ratio", "dir rps", "gw rps", "hdr p50");
        System.out.println(head);
        System.out.println(head.replaceAll("[^|]", "-"));
        for (Cell c : cells) {
            System.out.printf(Locale.ROOT, "| %-13s | %4d | %6d | %7.3f | %7.3f | %7.3f | %7.3f | %9.3f | %9.3f | "
                    + "%5.2f | %7.0f | %7.0f | %8.3f |%n", c.mode.label, c.concurrency,
                    Math.min(c.direct.n, c.gateway.n), c.direct.p50Ms, c.direct.p99Ms, c.gateway.p50Ms,
                    c.gateway.p99Ms, c.addedP50Ms(), c.addedP99Ms(), c.ratioP50(), c.direct.throughputRps,
                    c.gateway.throughputRps, c.gateway.headerOverheadP50Ms);
        }
        boolean anyStreaming = cells.stream().anyMatch(c -> c.mode == Mode.STREAMING);
        if (anyStreaming) {
            System.out.println();
            System.out.println("streaming, time to first SSE event (ms):");
            for (Cell c : cells) {
                if (c.mode == Mode.STREAMING) {
                    System.out.printf(Locale.ROOT, "  c=%-3d direct p50 %.3f  gateway p50 %.3f  added %.3f%n",
                            c.concurrency, c.direct.firstEventP50Ms, c.gateway.firstEventP50Ms,
                            c.gateway.firstEventP50Ms - c.direct.firstEventP50Ms);
                }
            }
        }
        int errors = cells.stream().mapToInt(c -> c.direct.errors + c.gateway.errors).sum();
        System.out.println();
        System.out.println("errors: " + errors);
    }

    private void writeJson(List<Cell> cells, double loadBefore, double loadAfter, double seconds) throws IOException {
        ObjectNode root = Json.object();
        root.put("benchmark", "gateway-overhead");
        root.put("java_version", System.getProperty("java.version"));
        root.put("java_vm", System.getProperty("java.vm.name"));
        root.put("available_processors", Runtime.getRuntime().availableProcessors());
        root.put("load_average_before", loadBefore);
        root.put("load_average_after", loadAfter);
        root.put("total_seconds", seconds);
        ObjectNode opts = root.putObject("options");
        opts.put("requests_per_target_per_cell", options.requests);
        opts.put("warmup_per_target_per_mode", options.warmup);
        opts.put("block", options.block);
        opts.put("max_seconds_per_cell", options.maxSeconds);
        opts.put("max_tokens", options.maxTokens);
        opts.put("tracing", options.tracing);
        ArrayNode conc = opts.putArray("concurrency");
        Arrays.stream(options.concurrency).forEach(conc::add);
        ArrayNode out = root.putArray("cells");
        for (Cell c : cells) {
            ObjectNode n = out.addObject();
            n.put("mode", c.mode.label);
            n.put("concurrency", c.concurrency);
            n.set("direct", summaryJson(c.direct));
            n.set("gateway", summaryJson(c.gateway));
            n.put("added_p50_ms", c.addedP50Ms());
            n.put("added_p99_ms", c.addedP99Ms());
            n.put("ratio_p50", c.ratioP50());
        }
        Files.write(options.json, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    private static ObjectNode summaryJson(Summary s) {
        ObjectNode n = Json.object();
        n.put("n", s.n());
        n.put("errors", s.errors());
        n.put("p50_ms", s.p50Ms());
        n.put("p90_ms", s.p90Ms());
        n.put("p99_ms", s.p99Ms());
        n.put("p999_ms", s.p999Ms());
        n.put("max_ms", s.maxMs());
        n.put("mean_ms", s.meanMs());
        n.put("throughput_rps", s.throughputRps());
        if (!Double.isNaN(s.firstEventP50Ms())) {
            n.put("first_event_p50_ms", s.firstEventP50Ms());
        }
        if (!Double.isNaN(s.headerOverheadP50Ms())) {
            n.put("header_overhead_p50_ms", s.headerOverheadP50Ms());
            n.put("header_overhead_p99_ms", s.headerOverheadP99Ms());
        }
        return n;
    }

    private static String abbreviate(String s, int n) {
        return s.length() > n ? s.substring(0, n - 3) + "..." : s;
    }

    static String usage() {
        return """
                usage: GatewayOverheadBenchmark [options]
                  --requests N      requests per target per cell (default 10000)
                  --warmup N        warm-up requests per target per mode (default 2000; 0 = none)
                  --concurrency L   comma-separated client concurrency levels (default 1,16)
                  --modes L         non-streaming,streaming (default both)
                  --block N         requests per block; targets alternate A-B-B-A by block (default 250)
                  --max-seconds S   time limit per cell (default 60)
                  --max-tokens N    max_tokens of each request (default 16)
                  --json FILE       also write the results as JSON
                  --tracing on|off  the gateway's OpenTelemetry traces, exported to a loopback OTLP sink
                                    (default off)
                  --help            this text""";
    }

    static Options parse(String[] args) {
        int requests = 10_000;
        int warmup = 2_000;
        int[] concurrency = {1, 16};
        List<Mode> modes = List.of(Mode.NON_STREAMING, Mode.STREAMING);
        int block = 250;
        double maxSeconds = 60;
        int maxTokens = 16;
        Path json = null;
        boolean tracing = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--requests" -> requests = positive(a, Integer.parseInt(v));
                    case "--warmup" -> warmup = Math.max(0, Integer.parseInt(v));
                    case "--concurrency" -> concurrency = Arrays.stream(v.split(",")).map(String::strip)
                            .mapToInt(Integer::parseInt).map(c -> positive(a, c)).toArray();
                    case "--modes" -> modes = Arrays.stream(v.split(",")).map(Mode::parse).distinct().toList();
                    case "--block" -> block = positive(a, Integer.parseInt(v));
                    case "--max-seconds" -> {
                        maxSeconds = Double.parseDouble(v);
                        if (!(maxSeconds > 0)) {
                            throw new IllegalArgumentException("--max-seconds must be positive");
                        }
                    }
                    case "--max-tokens" -> maxTokens = positive(a, Integer.parseInt(v));
                    case "--json" -> json = Path.of(v);
                    case "--tracing" -> tracing = switch (v) {
                        case "on" -> true;
                        case "off" -> false;
                        default -> throw new IllegalArgumentException("--tracing takes on or off, not '" + v + "'");
                    };
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(a + " expects a number, got '" + v + "'");
            }
        }
        if (concurrency.length == 0 || modes.isEmpty()) {
            throw new IllegalArgumentException("--concurrency and --modes need at least one value");
        }
        return new Options(requests, warmup, concurrency, modes, block, maxSeconds, maxTokens, json, tracing);
    }

    private static int positive(String option, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(option + " must be positive, got " + v);
        }
        return v;
    }
}
