package dev.iccache.bench;

import dev.iccache.config.AccessLogSettings;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.server.GatewayServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * The reliability suite of issue 15 (docs/reliability.md): on 127.0.0.1, (1) a seeded HTTP fuzzer
 * over raw sockets against every endpoint, (4) planted PII through the API, (6) a soak with heap and
 * RSS sampled, all on an in-process gateway; (2) backend faults from a {@link FaultyBackend}; (3)
 * {@code kill -9} of a child gateway JVM under load, counting acknowledged and recovered examples;
 * (5) tenant isolation over three tenants. Exit status 0 when every part passes.
 *
 * <p>Run: {@code iccache-bench/run-reliability.sh [--quick] [--json FILE] [--seed N]
 * [--fuzz-requests N] [--tenant-requests N] [--soak-seconds N]}.
 */
public final class ReliabilitySuite {
    private static final String ADMIN_KEY = "reliability-admin-key";
    private static final long HANG_BOUND_MS = 15_000;
    private static final String VALID_CHAT = "{\"model\":\"sim-small\",\"max_tokens\":8,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of France?\"}]}";

    private final long seed;
    private final int fuzzRequests;
    private final int soakSeconds;
    private final int tenantRequests;
    private final Path json;
    private final Map<String, Object> results = new TreeMap<>();

    private ReliabilitySuite(long seed, int fuzzRequests, int soakSeconds, int tenantRequests, Path json) {
        this.seed = seed;
        this.tenantRequests = tenantRequests;
        this.fuzzRequests = fuzzRequests;
        this.soakSeconds = soakSeconds;
        this.json = json;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--child-gateway")) {
            childGateway(Path.of(args[1]));
            return;
        }
        boolean quick = false;
        long seed = 15;
        Integer fuzz = null;
        Integer soak = null;
        Integer tenantRequests = null;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--fuzz-requests" -> fuzz = Integer.parseInt(args[++i]);
                case "--soak-seconds" -> soak = Integer.parseInt(args[++i]);
                case "--tenant-requests" -> tenantRequests = Integer.parseInt(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: run-reliability.sh [--quick] [--json FILE] [--seed N]"
                            + " [--fuzz-requests N (10000)] [--tenant-requests N (100000, 2000 with --quick)]"
                            + " [--soak-seconds N (60, 10 with --quick)]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
        int fuzzRequests = fuzz != null ? fuzz : 10_000;
        int soakSeconds = soak != null ? soak : quick ? 10 : 60;
        int tenants = tenantRequests != null ? tenantRequests : quick ? 2_000 : 100_000;
        int failures = new ReliabilitySuite(seed, fuzzRequests, soakSeconds, tenants, json).run();
        System.exit(failures == 0 ? 0 : 1);
    }

    private int run() throws Exception {
        long t0 = System.nanoTime();
        Path dataDir = Files.createTempDirectory("iccache-reliability");
        int failures = 0;
        try (GatewayServer gateway = startGateway(dataDir)) {
            int port = gateway.port();
            System.out.printf(Locale.ROOT, "gateway 127.0.0.1:%d, seed %d%n", port, seed);
            failures += fuzz(port);
            failures += plantedPii(port);
            failures += soak(port);
            failures += backendFaults();
            failures += killUnderLoad();
            failures += tenantIsolation();
        } finally {
            delete(dataDir);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        results.put("wall_seconds", Math.round(seconds * 10) / 10.0);
        results.put("failures", failures);
        System.out.printf(Locale.ROOT, "%nreliability suite: %d failure(s), %.1f s%n", failures, seconds);
        if (json != null) {
            Files.writeString(json, toJson(results) + "\n");
            System.out.println("wrote " + json);
        }
        return failures;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static GatewayServer startGateway(Path dataDir) {
        ServerConfig server = new ServerConfig("127.0.0.1", 0, 1L << 20).withTimeouts(2_000, 3_000);
        IccacheConfig config = IccacheConfig.builder().server(server).defaultModel("sim-large").dataDir(dataDir)
                .accessLog(AccessLogSettings.file(dataDir))
                .bank(BankConfig.DEFAULT.withStore("memory")).adminApiKeyEnv("RELIABILITY_ADMIN_KEY")
                .backends(List.of(role(BackendConfig.simulated("sim-small", "small", 1000), BackendRole.SMALL),
                        role(BackendConfig.simulated("sim-large", "large", 1000), BackendRole.LARGE)))
                .build();
        return GatewayServer.start(config, name -> name.equals("RELIABILITY_ADMIN_KEY") ? ADMIN_KEY : null);
    }

    private static BackendConfig role(BackendConfig b, BackendRole role) {
        return new BackendConfig(b.name(), b.baseUrl(), b.model(), b.apiKeyEnv(), role, b.cost(), b.contextWindow(),
                b.maxConcurrent(), b.queueTimeoutMs(), b.connectTimeoutMs(), b.readTimeoutMs(), b.totalTimeoutMs(),
                b.maxRetries(), b.simulatedProfile().orElseThrow(), b.simTimeScale());
    }

    // ---------------------------------------------------------------- part 1: fuzzer

    private static final String[][] ENDPOINTS = {
        {"POST", "/v1/chat/completions"}, {"POST", "/v1/feedback"}, {"GET", "/v1/models"}, {"GET", "/metrics"},
        {"GET", "/readyz"}, {"GET", "/healthz"}, {"GET", "/admin/examples/search?q=x&tenant=default"},
        {"GET", "/admin/examples/abc"}, {"DELETE", "/admin/examples/abc"},
        {"DELETE", "/admin/tenants/default/examples"}, {"DELETE", "/admin/tenants/default/users/u1/examples"},
        {"GET", "/admin/bank/stats"}, {"GET", "/admin/selections/abc"}, {"POST", "/admin/explain"},
    };

    private static final String[] BODY_MUTATIONS = {
        "broken-json", "wrong-types", "huge-numbers", "unknown-fields", "bad-utf8", "truncated-body",
        "chunked-bad-size", "chunked-wrong-length", "chunked-extension", "bad-headers", "http10",
        "random-bytes", "deep-nesting", "valid",
    };

    /** Outcome of one fuzz request: a status class, "closed" (no response, connection closed) or "hang". */
    private record Outcome(String mutation, String endpoint, String result, long millis, String request,
            String response) {}

    private int fuzz(int port) throws Exception {
        System.out.printf(Locale.ROOT, "%n== 1. fuzzer: %d malformed requests over %d endpoints (+ trickles)%n",
                fuzzRequests, ENDPOINTS.length);
        long t0 = System.nanoTime();
        Map<String, LongAdder> byClass = new ConcurrentHashMap<>();
        Map<String, LongAdder> byMutation = new ConcurrentHashMap<>();
        List<String> bad = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong maxMillis = new AtomicLong();
        SplittableRandom root = new SplittableRandom(seed);
        List<Future<?>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < fuzzRequests; i++) {
                SplittableRandom r = root.split();
                int n = i;
                futures.add(pool.submit(() -> {
                    String mutation = BODY_MUTATIONS[r.nextInt(BODY_MUTATIONS.length)];
                    String[] ep = ENDPOINTS[r.nextInt(ENDPOINTS.length)];
                    Outcome o = send(port, r, mutation, ep, false);
                    record(o, byClass, byMutation, bad, maxMillis, n);
                }));
            }
            // A few slow trickles: a byte at a time, slower than the header/body timeouts.
            for (int i = 0; i < 4; i++) {
                SplittableRandom r = root.split();
                String[] ep = ENDPOINTS[i % 2 == 0 ? 0 : 13];
                int n = fuzzRequests + i;
                futures.add(pool.submit(() -> record(send(port, r, "trickle", ep, true), byClass, byMutation, bad,
                        maxMillis, n)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Long> classes = new TreeMap<>();
        byClass.forEach((k, v) -> classes.put(k, v.sum()));
        Map<String, Long> mutations = new TreeMap<>();
        byMutation.forEach((k, v) -> mutations.put(k, v.sum()));
        long fives = classes.getOrDefault("5xx", 0L);
        long hangs = classes.getOrDefault("hang", 0L);
        System.out.println("outcomes by status class: " + classes);
        System.out.println("outcomes by mutation/class: " + mutations);
        System.out.printf(Locale.ROOT, "slowest request %d ms (bound %d ms); %.1f s%n", maxMillis.get(),
                HANG_BOUND_MS, seconds);
        for (String b : bad.subList(0, Math.min(bad.size(), 20))) {
            System.out.println("  BAD " + b);
        }
        int healthz = simpleStatus(port, "GET", "/healthz", null);
        int chat = simpleStatus(port, "POST", "/v1/chat/completions", VALID_CHAT);
        System.out.printf(Locale.ROOT, "afterwards: /healthz %d, valid chat completion %d%n", healthz, chat);
        Map<String, Object> part = new TreeMap<>();
        part.put("requests", fuzzRequests + 4);
        part.put("by_class", classes);
        part.put("by_mutation", mutations);
        part.put("max_ms", maxMillis.get());
        part.put("bad", new ArrayList<>(bad));
        part.put("seconds", Math.round(seconds * 10) / 10.0);
        part.put("healthz_after", healthz);
        part.put("chat_after", chat);
        results.put("fuzz", part);
        int failures = (int) (fives + hangs) + (healthz == 200 ? 0 : 1) + (chat == 200 ? 0 : 1);
        System.out.println(failures == 0 ? "PASS" : "FAIL (" + failures + ")");
        return failures;
    }

    private static void record(Outcome o, Map<String, LongAdder> byClass, Map<String, LongAdder> byMutation,
            List<String> bad, AtomicLong maxMillis, int n) {
        byClass.computeIfAbsent(o.result(), k -> new LongAdder()).increment();
        byMutation.computeIfAbsent(o.mutation() + "/" + o.result(), k -> new LongAdder()).increment();
        maxMillis.accumulateAndGet(o.millis(), Math::max);
        if (o.result().equals("5xx") || o.result().equals("hang")) {
            bad.add("#" + n + " " + o.mutation() + " " + o.endpoint() + " -> " + o.result() + " in " + o.millis()
                    + " ms; response \"" + o.response() + "\"; request bytes: " + o.request());
        }
    }

    private static Outcome send(int port, SplittableRandom r, String mutation, String[] ep, boolean trickle) {
        String method = ep[0];
        String path = ep[1];
        boolean post = method.equals("POST");
        byte[] body = post || r.nextInt(4) == 0 ? body(r, mutation, path) : new byte[0];
        String version = mutation.equals("http10") ? "HTTP/1.0" : "HTTP/1.1";
        StringBuilder head = new StringBuilder(method + " " + path + " " + version + "\r\n");
        head.append("Host: 127.0.0.1\r\n");
        if (r.nextInt(3) > 0) {
            head.append("Authorization: Bearer ").append(r.nextInt(5) == 0 ? "wrong-key" : ADMIN_KEY).append("\r\n");
        }
        head.append("Content-Type: application/json\r\n");
        byte[] payload;
        boolean halfClose = false;
        switch (mutation) {
            case "truncated-body" -> {
                head.append("Content-Length: ").append(body.length + 1 + r.nextInt(1000)).append("\r\n");
                payload = body;
                halfClose = r.nextBoolean();
            }
            case "chunked-bad-size", "chunked-wrong-length", "chunked-extension" -> {
                head.append("Transfer-Encoding: chunked\r\n");
                payload = chunked(r, mutation, body);
                halfClose = r.nextBoolean();
            }
            case "bad-headers" -> {
                String[] variants = {
                    "Content-Length: -5\r\n", "Content-Length: abc\r\n", "Content-Length: 99999999999999999999\r\n",
                    "Content-Length: 5\r\nContent-Length: 7\r\n", "Transfer-Encoding: gzip, chunked\r\n",
                    "X-Bad\u0001Header: 1\r\n", "NoColonHeader\r\n", " leading-space: x\r\n",
                    "X-Long: " + "a".repeat(70_000) + "\r\n", "Authorization: Bearer\r\n",
                    "Content-Type: text/plain; charset=bogus\r\n", "Host: \r\nHost: b\r\n",
                    "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                };
                head.append(variants[r.nextInt(variants.length)]);
                head.append("Content-Length: ").append(body.length).append("\r\n");
                payload = body;
            }
            default -> {
                head.append("Content-Length: ").append(body.length).append("\r\n");
                payload = body;
            }
        }
        head.append("Connection: close\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (mutation.equals("random-bytes") && r.nextBoolean()) {
            headBytes = randomBytes(r, 1 + r.nextInt(400));
            payload = new byte[0];
        }
        long t0 = System.nanoTime();
        String result;
        String statusLine = "";
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout((int) HANG_BOUND_MS);
            OutputStream out = s.getOutputStream();
            try {
                if (trickle) {
                    byte[] all = concat(headBytes, payload);
                    for (int i = 0; i < all.length && i < 40; i++) {
                        out.write(all[i]);
                        out.flush();
                        Thread.sleep(150);
                    }
                } else {
                    out.write(headBytes);
                    out.write(payload);
                    out.flush();
                }
                if (halfClose) {
                    s.shutdownOutput();
                }
            } catch (IOException e) {
                // The server may close while we still write: then read whatever it answered.
            }
            statusLine = readStatusLine(s.getInputStream(), t0);
            result = statusClass(statusLine);
        } catch (SocketTimeoutException e) {
            result = "hang";
        } catch (IOException e) {
            result = "closed";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = "interrupted";
        }
        return new Outcome(mutation, method + " " + path, result, (System.nanoTime() - t0) / 1_000_000,
                escape(concat(headBytes, payload), 400), statusLine.strip());
    }

    private static String readStatusLine(InputStream in, long t0) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            line.write(c);
            if ((System.nanoTime() - t0) / 1_000_000 > HANG_BOUND_MS) {
                throw new SocketTimeoutException("no status line within the bound");
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static String statusClass(String statusLine) {
        if (statusLine.isEmpty()) {
            return "closed";
        }
        String[] parts = statusLine.split(" ");
        if (parts.length < 2 || parts[1].length() != 3) {
            return "garbage";
        }
        return parts[1].charAt(0) + "xx";
    }

    private static byte[] body(SplittableRandom r, String mutation, String path) {
        String base = path.startsWith("/v1/feedback")
                ? "{\"id\":\"chatcmpl-1\",\"rating\":1}"
                : path.startsWith("/admin/explain")
                        ? "{\"tenant\":\"default\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                        : VALID_CHAT;
        return switch (mutation) {
            case "broken-json" -> {
                String[] v = {base.substring(0, r.nextInt(base.length())), base.replace(":", ""), "{", "}",
                    "[]", "null", "", "{\"messages\":[{]}", base + "}}}", "{'single':'quotes'}", "NaN",
                    base.replace("\"", "")};
                yield v[r.nextInt(v.length)].getBytes(StandardCharsets.UTF_8);
            }
            case "wrong-types" -> {
                String[] v = {"{\"model\":5,\"messages\":\"hi\"}", "{\"messages\":[{\"role\":7,\"content\":[1,2]}]}",
                    "{\"messages\":[{\"role\":\"user\",\"content\":{\"a\":1}}]}", "{\"messages\":null}",
                    "{\"messages\":[],\"max_tokens\":\"ten\"}", "{\"stream\":\"yes\",\"messages\":[]}",
                    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":5}]}]}",
                    "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":\"x\"}]}",
                    "{\"id\":[],\"rating\":\"good\"}", "{\"tenant\":1,\"messages\":{}}", "[1,2,3]", "\"str\"", "42",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"}",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":true}"};
                yield v[r.nextInt(v.length)].getBytes(StandardCharsets.UTF_8);
            }
            case "huge-numbers" -> {
                String[] nums = {"-1", "0", "1e308", "-1e308", "1e999", "99999999999999999999999", "-2147483649",
                    "9223372036854775808", "0.0000001", "-0"};
                String n = nums[r.nextInt(nums.length)];
                String[] fields = {"max_tokens", "temperature", "top_p", "n", "rating", "seed", "max_completion_tokens"};
                String f = fields[r.nextInt(fields.length)];
                yield ("{\"model\":\"sim-small\",\"" + f + "\":" + n
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"id\":\"x\"}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            case "unknown-fields" -> ("{\"zz_unknown\":{\"a\":[1,2,{}]},\"model\":\"sim-small\",\"x-" + r.nextInt()
                    + "\":null,\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"weird\":true}],\"id\":\"x\","
                    + "\"rating\":1}").getBytes(StandardCharsets.UTF_8);
            case "bad-utf8" -> {
                byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80,
                    (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, (byte) 0xC0, (byte) 0xAF};
                byte[] prefix = "{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":\""
                        .getBytes(StandardCharsets.UTF_8);
                byte[] suffix = "\"}]}".getBytes(StandardCharsets.UTF_8);
                int k = 1 + r.nextInt(bad.length);
                byte[] mid = new byte[k];
                for (int i = 0; i < k; i++) {
                    mid[i] = bad[r.nextInt(bad.length)];
                }
                yield concat(concat(prefix, mid), suffix);
            }
            case "deep-nesting" -> {
                int depth = 1 + r.nextInt(5000);
                yield ("{\"messages\":" + "[".repeat(depth) + "]".repeat(depth) + "}").getBytes(StandardCharsets.UTF_8);
            }
            case "random-bytes" -> randomBytes(r, r.nextInt(2000));
            default -> base.getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] chunked(SplittableRandom r, String mutation, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String sizeLine = switch (mutation) {
            case "chunked-bad-size" -> new String[] {"zz", "-1", "ffffffffffffffff", "", " ", "0x10", "1 2",
                "fffffffffffffffffffff"}[r.nextInt(8)];
            case "chunked-wrong-length" -> Integer.toHexString(Math.max(0, body.length + (r.nextBoolean() ? 7 : -3)));
            default -> Integer.toHexString(body.length) + new String[] {";ext=1", ";a", "; x=\"q\"",
                ";" + "e".repeat(10_000)}[r.nextInt(4)];
        };
        out.writeBytes((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        out.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** The first {@code max} bytes, printable ASCII as is and the rest as \\xNN. */
    private static String escape(byte[] b, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, max); i++) {
            int c = b[i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f && c != '\\' ? String.valueOf((char) c)
                    : c == '\r' ? "\\r" : c == '\n' ? "\\n" : String.format(Locale.ROOT, "\\x%02x", c));
        }
        return b.length > max ? sb + "...(" + b.length + " bytes)" : sb.toString();
    }

    private static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Status of one well-formed request (0 when none arrived). */
    private static int simpleStatus(int port, String method, String path, String body) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout((int) HANG_BOUND_MS);
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ADMIN_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                    + "\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(concat(head.getBytes(StandardCharsets.ISO_8859_1), b));
            s.getOutputStream().flush();
            String line = readStatusLine(s.getInputStream(), System.nanoTime());
            String[] parts = line.split(" ");
            return parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    // ---------------------------------------------------------------- part 2: backend faults

    private static final long FAULT_CONNECT_MS = 1_000;
    private static final long FAULT_READ_MS = 3_000;
    private static final long FAULT_TOTAL_MS = 8_000;

    private int backendFaults() throws Exception {
        System.out.printf(Locale.ROOT, "%n== 2. backend faults: connect %d ms, read %d ms, total %d ms, 1 retry%n",
                FAULT_CONNECT_MS, FAULT_READ_MS, FAULT_TOTAL_MS);
        List<FaultyBackend> fakes = new ArrayList<>();
        List<BackendConfig> backends = new ArrayList<>();
        for (FaultyBackend.Fault f : FaultyBackend.Fault.values()) {
            FaultyBackend fake = new FaultyBackend(f);
            fakes.add(fake);
            backends.add(new BackendConfig(faultName(f), "http://127.0.0.1:" + fake.port() + "/v1", null, null,
                    BackendRole.SMALL, 0, 0, 16, 0, FAULT_CONNECT_MS, FAULT_READ_MS, FAULT_TOTAL_MS, 1, null, 0));
        }
        Path dataDir = Files.createTempDirectory("iccache-reliability-faults");
        int failures = 0;
        List<Map<String, Object>> rows = new ArrayList<>();
        IccacheConfig config = IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1L << 20))
                .defaultModel(backends.get(0).name()).dataDir(dataDir)
                .accessLog(AccessLogSettings.file(dataDir)).bank(BankConfig.DEFAULT.withStore("memory"))
                .backends(backends).build();
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(5)).build();
        try (GatewayServer gateway = GatewayServer.start(config)) {
            System.out.printf(Locale.ROOT, "%-22s %-6s %-7s %8s  %s%n", "fault", "stream", "status", "ms", "outcome");
            System.out.printf(Locale.ROOT, "(heap used after GC, before: %d MiB)%n", gcHeap() >> 20);
            for (FaultyBackend.Fault f : FaultyBackend.Fault.values()) {
                for (boolean stream : new boolean[] {false, true}) {
                    String body = VALID_CHAT.replace("sim-small", faultName(f))
                            .replace("\"max_tokens\":8", "\"max_tokens\":8,\"stream\":" + stream);
                    java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                            .timeout(java.time.Duration.ofMillis(FAULT_TOTAL_MS + HANG_BOUND_MS))
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
                    long t0 = System.nanoTime();
                    int status;
                    String outcome;
                    try {
                        java.net.http.HttpResponse<String> res = http.send(req,
                                java.net.http.HttpResponse.BodyHandlers.ofString());
                        status = res.statusCode();
                        String b = res.body();
                        boolean done = b.contains("[DONE]");
                        boolean error = b.contains("\"error\"");
                        outcome = status != 200 ? "error " + errorType(b)
                                : stream ? (error ? "stream error event" + (done ? " then [DONE]" : "")
                                        : done ? "CLEAN END (no error reported)" : "stream cut without error")
                                : "200 body " + b.length() + " chars";
                    } catch (java.net.http.HttpTimeoutException e) {
                        status = 0;
                        outcome = "HANG (no response within " + (FAULT_TOTAL_MS + HANG_BOUND_MS) + " ms)";
                    } catch (IOException e) {
                        status = 0;
                        outcome = "connection error: " + e.getClass().getSimpleName();
                    }
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    boolean ok = ms <= FAULT_TOTAL_MS + 5_000 && !outcome.startsWith("HANG")
                            && !outcome.startsWith("CLEAN") && !(status == 200 && !stream);
                    failures += ok ? 0 : 1;
                    System.out.printf(Locale.ROOT, "%-22s %-6s %-7d %8d  %s%s  (heap after GC %d MiB)%n",
                            faultName(f), stream, status, ms, outcome, ok ? "" : "  <-- FAIL", gcHeap() >> 20);
                    Map<String, Object> row = new TreeMap<>();
                    row.put("fault", faultName(f));
                    row.put("stream", stream);
                    row.put("status", status);
                    row.put("ms", ms);
                    row.put("outcome", outcome);
                    row.put("pass", ok);
                    row.put("heap_after_gc_mib", gcHeap() >> 20);
                    rows.add(row);
                }
            }
        } finally {
            for (FaultyBackend fake : fakes) {
                fake.close();
            }
            delete(dataDir);
        }
        results.put("backend_faults", rows);
        System.out.println(failures == 0 ? "PASS" : "FAIL (" + failures + ")");
        return failures;
    }

    private static String faultName(FaultyBackend.Fault f) {
        return f.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String errorType(String body) {
        int i = body.indexOf("\"type\"");
        if (i < 0) {
            return body.substring(0, Math.min(80, body.length()));
        }
        int start = body.indexOf('"', body.indexOf(':', i) + 1);
        int end = body.indexOf('"', start + 1);
        return start < 0 || end < 0 ? "" : body.substring(start + 1, end);
    }

    // ---------------------------------------------------------------- part 3: kill -9 under load

    /** Child JVM: a gateway with a Lucene bank in {@code dataDir}, admitting sim-large answers; prints its port. */
    private static void childGateway(Path dataDir) throws InterruptedException {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
        ServerConfig server = new ServerConfig("127.0.0.1", 0, 1L << 20);
        IccacheConfig config = IccacheConfig.builder().server(server).defaultModel("sim-large").dataDir(dataDir)
                .accessLog(AccessLogSettings.file(dataDir))
                .bank(BankConfig.DEFAULT.withStore("lucene")).adminApiKeyEnv("RELIABILITY_ADMIN_KEY")
                .backends(List.of(role(BackendConfig.simulated("sim-small", "small", 1000), BackendRole.SMALL),
                        role(BackendConfig.simulated("sim-large", "large", 1000), BackendRole.LARGE)))
                .build();
        GatewayServer gateway = GatewayServer.start(config,
                name -> name.equals("RELIABILITY_ADMIN_KEY") ? ADMIN_KEY : null);
        System.out.println("PORT " + gateway.port());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static Process startChild(Path dataDir) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                ReliabilitySuite.class.getName(), "--child-gateway", dataDir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        return p;
    }

    private static int childPort(Process p) throws IOException {
        java.io.BufferedReader r = new java.io.BufferedReader(
                new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith("PORT ")) {
                return Integer.parseInt(line.substring(5).trim());
            }
        }
        throw new IOException("child gateway exited before printing its port");
    }

    /** A question with a unique letters-only marker (digits could look like PII to the scrubber). */
    private static String marker(int client, int i) {
        StringBuilder sb = new StringBuilder("mk");
        int v = client * 100_000 + i;
        do {
            sb.append((char) ('a' + v % 26));
            v /= 26;
        } while (v > 0);
        return sb.append("q").toString();
    }

    private static boolean inBank(java.net.http.HttpClient http, int port, String marker) {
        try {
            java.net.http.HttpResponse<String> res = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                            "http://127.0.0.1:" + port + "/admin/examples/search?k=3&q=" + java.net.URLEncoder.encode(
                                    "Explain the term " + marker + " briefly", StandardCharsets.UTF_8)))
                    .header("Authorization", "Bearer " + ADMIN_KEY).timeout(java.time.Duration.ofSeconds(10)).GET()
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return res.statusCode() == 200 && res.body().contains(marker);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private int killUnderLoad() throws Exception {
        int clients = 8;
        long loadMs = 6_000;
        System.out.printf(Locale.ROOT, "%n== 3. kill -9 under load: child gateway (Lucene bank), %d clients,"
                + " SIGKILL after %d ms%n", clients, loadMs);
        Path dataDir = Files.createTempDirectory("iccache-reliability-kill");
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(2)).build();
        Set<String> completed = ConcurrentHashMap.newKeySet();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        int failures = 0;
        Process child = startChild(dataDir);
        Process restarted = null;
        try {
            int port = childPort(child);
            long stopAt = System.nanoTime() + loadMs * 1_000_000;
            try (ExecutorService pool = Executors.newFixedThreadPool(clients * 2)) {
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    pool.submit(() -> {
                        for (int i = 0; child.isAlive(); i++) {
                            String m = marker(client, i);
                            String body = "{\"model\":\"sim-large\",\"messages\":[{\"role\":"
                                    + "\"user\",\"content\":\"Explain the term " + m + " briefly\"}]}";
                            try {
                                java.net.http.HttpResponse<String> res = http.send(java.net.http.HttpRequest
                                        .newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                                                + "/v1/chat/completions"))
                                        .header("Content-Type", "application/json")
                                        .timeout(java.time.Duration.ofSeconds(10))
                                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                                        java.net.http.HttpResponse.BodyHandlers.ofString());
                                if (res.statusCode() == 200) {
                                    completed.add(m);
                                }
                            } catch (IOException e) {
                                return; // the gateway is gone
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
                }
                // The acknowledger: an example counts once an admin search sees it (searches only see durable writes).
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    pool.submit(() -> {
                        while (child.isAlive()) {
                            for (String m : completed) {
                                if (Math.floorMod(m.hashCode(), clients) == client && !acknowledged.contains(m)
                                        && child.isAlive() && inBank(http, port, m)) {
                                    acknowledged.add(m);
                                }
                            }
                        }
                    });
                }
                while (System.nanoTime() < stopAt) {
                    Thread.sleep(100);
                }
                Runtime.getRuntime().exec(new String[] {"kill", "-9", Long.toString(child.pid())}).waitFor();
                child.waitFor();
            }
            Set<String> acked = Set.copyOf(acknowledged);
            System.out.printf(Locale.ROOT, "killed pid %d: %d completed responses, %d acknowledged (seen by admin"
                    + " search before the kill)%n", child.pid(), completed.size(), acked.size());
            long r0 = System.nanoTime();
            restarted = startChild(dataDir);
            int port2 = childPort(restarted);
            double restartSeconds = (System.nanoTime() - r0) / 1e9;
            int recovered = 0;
            List<String> lost = new ArrayList<>();
            for (String m : acked) {
                if (inBank(http, port2, m)) {
                    recovered++;
                } else {
                    lost.add(m);
                }
            }
            int completedRecovered = 0;
            for (String m : completed) {
                if (acked.contains(m) || inBank(http, port2, m)) {
                    completedRecovered++;
                }
            }
            System.out.printf(Locale.ROOT, "restart %.1f s; acknowledged %d, recovered %d, lost %d %s;"
                    + " of all %d completed responses %d are in the bank%n", restartSeconds, acked.size(), recovered,
                    lost.size(), lost.subList(0, Math.min(5, lost.size())), completed.size(), completedRecovered);
            Map<String, Object> part = new TreeMap<>();
            part.put("completed", completed.size());
            part.put("acknowledged", acked.size());
            part.put("recovered", recovered);
            part.put("lost", lost.size());
            part.put("completed_in_bank_after", completedRecovered);
            part.put("restart_seconds", Math.round(restartSeconds * 10) / 10.0);
            results.put("kill9", part);
            failures = lost.isEmpty() && !acked.isEmpty() ? 0 : 1;
            System.out.println(failures == 0 ? "PASS" : "FAIL");
        } finally {
            child.destroyForcibly().waitFor();
            if (restarted != null) {
                restarted.destroyForcibly().waitFor();
            }
            delete(dataDir);
        }
        return failures;
    }

    // ---------------------------------------------------------------- part 4: planted PII

    /** The conversation of iccache-core's test fixture PlantedPii, plus PII in content text and {@code user}. */
    private static final String PII_MESSAGES = """
            [{"role":"system","content":"You are a support agent.","name":"ops-203.0.113.7"},
             {"role":"user","name":"jane.doe@example.com","content":[
               {"type":"text","text":"What does this receipt say? Mail bob.smith@example.com"},
               {"type":"image_url","image_url":{"url":"https://img.example.net/r.png?X-Amz-Credential=\
            AKIAIOSFODNN7EXAMPLE&token=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z","detail":"auto"}}]},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_Qm4Zx81LpW2vR7sTn3Kd9yHb",\
            "type":"function","function":{"name":"lookup_ann@example.org","arguments":\
            "{\\"email\\":\\"jane.doe@example.com\\",\\"card\\":\\"4111 1111 1111 1111\\",\\"note\\":\\"card\\\\n\
            6011 1111 1111 1117\\",\\"alt\\":\\"ann.lee\\\\u0040example.org\\"}"}}]},
             {"role":"tool","tool_call_id":"call_Qm4Zx81LpW2vR7sTn3Kd9yHb","content":"phone +44 20 7946 0958"},
             {"role":"assistant","content":"Let me see.","refusal":"I cannot move GB82 WEST 1234 5698 7654 32"},
             {"role":"user","content":"Thanks. What should I do next? plantedpiimarker",
              "x_profile":{"ssn":"078-05-1120","card_no":4539578763621486,"cards":{"5425233430109903":"work"},
                           "db":{"password":"s3cr3t-pa55"}}}]""";

    /** Each planted value and the field it was planted in. */
    private static final String[][] PII_PLANTED = {
        {"203.0.113.7", "system name"}, {"jane.doe@example.com", "user name, tool call arguments"},
        {"bob.smith@example.com", "content text part"}, {"AKIAIOSFODNN7EXAMPLE", "image_url"},
        {"sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "image_url"}, {"ann@example.org", "tool call function name"},
        {"4111 1111 1111 1111", "tool call arguments"}, {"6011 1111 1111 1117", "tool call arguments"},
        {"ann.lee", "tool call arguments (escaped @)"}, {"+44 20 7946 0958", "tool message content"},
        {"GB82 WEST 1234 5698 7654 32", "refusal"}, {"078-05-1120", "extra key (string)"},
        {"4539578763621486", "extra key (number)"}, {"5425233430109903", "extra key (object key)"},
        {"s3cr3t-pa55", "extra key (password)"}, {"carol.user@example.com", "user"},
    };

    private int plantedPii(int port) throws Exception {
        System.out.printf(Locale.ROOT, "%n== 4. planted PII: %d values in every message field, then admin search%n",
                PII_PLANTED.length);
        String body = "{\"model\":\"sim-large\",\"user\":\"carol.user@example.com\",\"messages\":"
                + PII_MESSAGES + "}";
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> res = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        String stored = "";
        for (int i = 0; i < 100 && !stored.contains("plantedpiimarker"); i++) {
            Thread.sleep(100);
            stored = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                            + "/admin/examples/search?k=5&q=plantedpiimarker+What+should+I+do+next"))
                    .header("Authorization", "Bearer " + ADMIN_KEY).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
        boolean admitted = stored.contains("plantedpiimarker");
        Map<String, Object> survivors = new TreeMap<>();
        int count = 0;
        for (String[] planted : PII_PLANTED) {
            if (stored.contains(planted[0])) {
                survivors.put(planted[0], planted[1]);
                count++;
            }
            System.out.printf(Locale.ROOT, "  %-42s %-34s %s%n", planted[0], planted[1],
                    stored.contains(planted[0]) ? "SURVIVED" : "scrubbed");
        }
        System.out.printf(Locale.ROOT, "chat status %d, example admitted %s, survivors %d%n", res.statusCode(),
                admitted, count);
        Map<String, Object> part = new TreeMap<>();
        part.put("chat_status", res.statusCode());
        part.put("admitted", admitted);
        part.put("planted", PII_PLANTED.length);
        part.put("survivors", survivors);
        results.put("planted_pii", part);
        int failures = admitted && count == 0 && res.statusCode() == 200 ? 0 : 1;
        System.out.println(failures == 0 ? "PASS" : "FAIL");
        return failures;
    }

    // ---------------------------------------------------------------- part 5: tenant isolation

    private static final String[] TENANTS = {"tenant-a", "tenant-b", "tenant-c"};
    private static final java.util.regex.Pattern UUID = java.util.regex.Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private static String tenantKey(String tenant) {
        return "key-" + tenant;
    }

    private int tenantIsolation() throws Exception {
        int questions = 30;
        System.out.printf(Locale.ROOT, "%n== 5. tenant isolation: %d tenants seeded with the same %d questions, then"
                + " %d requests with the selection debug header%n", TENANTS.length, questions, tenantRequests);
        Path dataDir = Files.createTempDirectory("iccache-reliability-tenants");
        List<dev.iccache.config.TenantConfig> tenants = new ArrayList<>();
        for (String t : TENANTS) {
            tenants.add(new dev.iccache.config.TenantConfig(t, "KEY_" + t, true, t, 0));
        }
        IccacheConfig config = IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1L << 20))
                .defaultModel("sim-small").dataDir(dataDir)
                .accessLog(AccessLogSettings.file(dataDir)).bank(BankConfig.DEFAULT.withStore("memory"))
                .adminApiKeyEnv("RELIABILITY_ADMIN_KEY").tenants(tenants)
                .backends(List.of(role(BackendConfig.simulated("sim-small", "small", 1000), BackendRole.SMALL),
                        role(BackendConfig.simulated("sim-large", "large", 1000), BackendRole.LARGE)))
                .build();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String[] pool = new String[questions];
        SplittableRandom r = new SplittableRandom(seed);
        String[] words = {"river", "mountain", "capital", "planet", "author", "painting", "battle", "element",
            "ocean", "language", "composer", "island", "desert", "empire", "treaty"};
        for (int i = 0; i < questions; i++) {
            pool[i] = "Who or what is the famous " + words[r.nextInt(words.length)] + " called "
                    + marker(9, i) + "?";
        }
        Map<String, String> tenantOf = new ConcurrentHashMap<>();
        LongAdder violations = new LongAdder();
        LongAdder withExamples = new LongAdder();
        LongAdder unknownIds = new LongAdder();
        LongAdder done = new LongAdder();
        LongAdder searchViolations = new LongAdder();
        List<String> firstViolations = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0;
        int failures;
        try (GatewayServer gateway = GatewayServer.start(config, name -> name.equals("RELIABILITY_ADMIN_KEY")
                ? ADMIN_KEY : name.startsWith("KEY_") ? tenantKey(name.substring(4)) : null)) {
            String base = "http://127.0.0.1:" + gateway.port();
            for (String t : TENANTS) {
                for (String q : pool) {
                    chat(http, base, t, "sim-large", q, false);
                }
            }
            awaitAdmissionOutcomes(http, base, (long) TENANTS.length * questions);
            for (String t : TENANTS) {
                for (String q : pool) {
                    String found = adminGet(http, base + "/admin/examples/search?k=50&tenant=" + t + "&q="
                            + java.net.URLEncoder.encode(q, StandardCharsets.UTF_8));
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                            "\"id\":\"([^\"]+)\",\"tenant\":\"([^\"]+)\"").matcher(found);
                    while (m.find()) {
                        tenantOf.put(m.group(1), m.group(2));
                    }
                }
            }
            System.out.printf(Locale.ROOT, "seeded: %d examples known by id%n", tenantOf.size());
            t0 = System.nanoTime();
            try (ExecutorService exec = Executors.newFixedThreadPool(8)) {
                List<Future<?>> futures = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    SplittableRandom cr = r.split();
                    int share = tenantRequests / 8 + (c < tenantRequests % 8 ? 1 : 0);
                    futures.add(exec.submit(() -> {
                        for (int i = 0; i < share; i++) {
                            String t = TENANTS[cr.nextInt(TENANTS.length)];
                            String q = pool[cr.nextInt(pool.length)];
                            if (i % 50 == 0) {
                                String found = adminGet(http, base + "/admin/examples/search?k=20&tenant=" + t
                                        + "&q=" + java.net.URLEncoder.encode(q, StandardCharsets.UTF_8));
                                java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                                        "\"tenant\":\"([^\"]+)\"").matcher(found);
                                while (m.find()) {
                                    if (!m.group(1).equals(t)) {
                                        searchViolations.increment();
                                    }
                                }
                            }
                            String debug = chat(http, base, t, "sim-small", q, true);
                            java.util.regex.Matcher m = UUID.matcher(debug);
                            boolean any = false;
                            while (m.find()) {
                                String owner = tenantOf.get(m.group());
                                if (owner == null) {
                                    unknownIds.increment();
                                } else {
                                    any = true;
                                    if (!owner.equals(t)) {
                                        violations.increment();
                                        if (firstViolations.size() < 5) {
                                            firstViolations.add(t + " got " + m.group() + " of " + owner);
                                        }
                                    }
                                }
                            }
                            if (any) {
                                withExamples.increment();
                            }
                            done.increment();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            }
        } finally {
            delete(dataDir);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "%d requests in %.1f s (%.0f/s); %d had candidates/examples of a known id;"
                + " cross-tenant ids in selection debug: %d; in scoped admin search: %d; unknown ids %d%n",
                done.sum(), seconds, done.sum() / seconds, withExamples.sum(), violations.sum(),
                searchViolations.sum(), unknownIds.sum());
        firstViolations.forEach(v -> System.out.println("  " + v));
        Map<String, Object> part = new TreeMap<>();
        part.put("requests", done.sum());
        part.put("seconds", Math.round(seconds * 10) / 10.0);
        part.put("seeded_examples", tenantOf.size());
        part.put("requests_with_known_examples", withExamples.sum());
        part.put("cross_tenant_in_selection", violations.sum());
        part.put("cross_tenant_in_search", searchViolations.sum());
        results.put("tenant_isolation", part);
        failures = violations.sum() == 0 && searchViolations.sum() == 0 && withExamples.sum() > 0
                && tenantOf.size() > 0 ? 0 : 1;
        System.out.println(failures == 0 ? "PASS" : "FAIL");
        return failures;
    }

    /** One chat completion for a tenant; returns the selection debug header (or "" when absent). */
    private static String chat(java.net.http.HttpClient http, String base, String tenant, String model,
            String question, boolean debug) throws IOException, InterruptedException {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + question + "\"}]" + (model.equals("sim-small") ? ",\"max_tokens\":4" : "") + "}";
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(base + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + tenantKey(tenant))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (debug) {
            b.header("x-iccache-debug", "1").header("x-iccache-admin-key", ADMIN_KEY);
        }
        java.net.http.HttpResponse<String> res = http.send(b.build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("chat for " + tenant + " got " + res.statusCode() + ": " + res.body());
        }
        return res.headers().firstValue("x-iccache-debug-selection").orElse("");
    }

    /**
     * Waits (at most 30 s) until admission has an outcome for {@code expected} candidates
     * ({@code iccache_bank_admissions_total}, counted once they are stored): admission is asynchronous.
     */
    private static void awaitAdmissionOutcomes(java.net.http.HttpClient http, String base, long expected)
            throws IOException, InterruptedException {
        java.util.regex.Pattern sample = java.util.regex.Pattern.compile(
                "(?m)^iccache_bank_admissions_total\\{[^}]*} ([0-9.eE+]+)$");
        long deadline = System.nanoTime() + 30_000_000_000L;
        double outcomes = 0;
        while (System.nanoTime() < deadline) {
            java.util.regex.Matcher m = sample.matcher(adminGet(http, base + "/metrics"));
            outcomes = 0;
            while (m.find()) {
                outcomes += Double.parseDouble(m.group(1));
            }
            if (outcomes >= expected) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("admission gave " + outcomes + " outcomes of " + expected + " in 30 s");
    }

    private static String adminGet(java.net.http.HttpClient http, String url) throws IOException,
            InterruptedException {
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .header("Authorization", "Bearer " + ADMIN_KEY).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    // ---------------------------------------------------------------- part 6: soak

    private int soak(int port) throws Exception {
        System.out.printf(Locale.ROOT, "%n== 6. soak: %d s of chat completions, 8 clients, heap and RSS sampled%n",
                soakSeconds);
        long end = System.nanoTime() + soakSeconds * 1_000_000_000L;
        LongAdder ok = new LongAdder();
        LongAdder failed = new LongAdder();
        List<long[]> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(9)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int client = c;
                futures.add(pool.submit(() -> {
                    int i = 0;
                    while (System.nanoTime() < end) {
                        String body = VALID_CHAT.replace("capital of France", "question " + client + "-" + i++);
                        if (simpleStatus(port, "POST", "/v1/chat/completions", body) == 200) {
                            ok.increment();
                        } else {
                            failed.increment();
                        }
                    }
                }));
            }
            futures.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    samples.add(new long[] {heapUsed(), rss()});
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                samples.add(new long[] {heapUsed(), rss()});
            }));
            for (Future<?> f : futures) {
                f.get();
            }
        }
        long[] first = samples.get(0);
        long[] last = samples.get(samples.size() - 1);
        long maxHeap = samples.stream().mapToLong(s -> s[0]).max().orElse(0);
        long maxRss = samples.stream().mapToLong(s -> s[1]).max().orElse(0);
        System.out.printf(Locale.ROOT, "requests ok %d, failed %d (%.0f/s)%n", ok.sum(), failed.sum(),
                ok.sum() / (double) soakSeconds);
        System.out.printf(Locale.ROOT, "heap used MiB start %d, end %d, max %d; RSS MiB start %d, end %d, max %d%n",
                first[0] >> 20, last[0] >> 20, maxHeap >> 20, first[1] >> 20, last[1] >> 20, maxRss >> 20);
        Map<String, Object> part = new TreeMap<>();
        part.put("seconds", soakSeconds);
        part.put("ok", ok.sum());
        part.put("failed", failed.sum());
        part.put("heap_mib", List.of(first[0] >> 20, last[0] >> 20, maxHeap >> 20));
        part.put("rss_mib", List.of(first[1] >> 20, last[1] >> 20, maxRss >> 20));
        results.put("soak", part);
        int failures = failed.sum() == 0 ? 0 : 1;
        System.out.println(failures == 0 ? "PASS" : "FAIL (failed requests)");
        return failures;
    }

    private static long gcHeap() {
        System.gc();
        return heapUsed();
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Resident set size of this JVM from /proc (0 where there is none). */
    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    // ---------------------------------------------------------------- JSON report

    private static String toJson(Object o) {
        if (o instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            m.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":")
                    .append(toJson(v)));
            return sb.append('}').toString();
        }
        if (o instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (Object v : l) {
                sb.append(sb.length() > 1 ? "," : "").append(toJson(v));
            }
            return sb.append(']').toString();
        }
        if (o instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        return String.valueOf(o);
    }
}
