package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.AccessLogSettings;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.select.SelectionSettings;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.server.GatewayServer;
import dev.iccache.server.SimBackendServer;
import dev.iccache.time.SimClock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code iccache demo}: starts two SIMULATED model servers and the gateway in front of them, sends
 * a few requests over real HTTP and prints what happened.
 */
@Command(name = "gateway-demo", mixinStandardHelpOptions = true,
        description = "Start two simulated backends and the gateway, send requests through HTTP, print the results.")
final class GatewayDemoCommand implements Callable<Integer> {
    @Option(names = "--time-scale", defaultValue = "20",
            description = "Simulated backends run this many times faster than calibrated (default ${DEFAULT-VALUE}).")
    double timeScale;

    private static final int LARGE_CAPACITY = 16;

    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    public Integer call() throws Exception {
        System.out.println("iccache demo: two SIMULATED backends (filler text, calibrated latency / " + timeScale
                + ") behind the gateway, all on 127.0.0.1.\n");
        String adminKey = "demo-" + Long.toHexString(new java.security.SecureRandom().nextLong());
        try (SimBackendServer small = simServer("sim-small", SimProfile.SMALL);
                SimBackendServer large = simServer("sim-large", SimProfile.LARGE);
                GatewayServer gateway = GatewayServer.start(IccacheConfig.builder()
                        .server(new ServerConfig("127.0.0.1", 0, 4L << 20)).defaultModel("sim-large")
                        .dataDir(Files.createTempDirectory("iccache-demo")).bank(BankConfig.DEFAULT.withStore("memory"))
                        .accessLog(AccessLogSettings.OFF) // the demo prints its own line per request
                        // No threshold exploration in a demo of a handful of requests: every request uses tau = 0.5.
                        .selection(new SelectionSettings(true, 32, 5, 0.5, 0.95, 16, 512, 250, 0, 0.5, 10))
                        .backends(List.of(
                                new BackendConfig("sim-small", "http://127.0.0.1:" + small.port() + "/v1", null, null,
                                        BackendRole.SMALL, 1, 8192, 64, 0, 0, 0, 0, 2, null, 0),
                                new BackendConfig("sim-large", "http://127.0.0.1:" + large.port() + "/v1", null, null,
                                        BackendRole.LARGE, 7.17, 8192, LARGE_CAPACITY, 0, 0, 0, 0, 2, null, 0)))
                        .build(),
                        name -> name.equals("ICCACHE_ADMIN_KEY") ? adminKey : System.getenv(name))) {
            String base = "http://127.0.0.1:" + gateway.port();
            System.out.printf("sim-small on :%d, sim-large on :%d, gateway on %s%n%n", small.port(), large.port(), base);
            System.out.printf("%-34s %6s %-10s %-8s %9s %8s  %s%n", "request", "status", "model", "route",
                    "latency", "overhead", "answer / error");
            send(base, "virtual model, non-streaming", chat("iccache", "What is in-context caching?", false));
            send(base, "pinned to sim-small", chat("sim-small", "Name three prime numbers.", false));
            send(base, "virtual model, streaming", chat("iccache", "Explain SSE in one line.", true));
            send(base, "pinned, max_tokens=8, stream", "{\"model\":\"sim-small\",\"max_tokens\":8,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to ten.\"}]}");
            send(base, "malformed JSON", "{\"model\": \"iccache\", \"messages\": [");
            send(base, "unknown model", chat("gpt-17", "hello", false));
            send(base, "empty messages", "{\"model\":\"iccache\",\"messages\":[]}");

            System.out.println("\nIn-context caching: the large model's answers become examples for the small one.");
            long before = gateway.bank().orElseThrow().store().stats().count();
            // No max_tokens: an answer cut short by max_tokens is never admitted.
            send(base, "sim-large answers (admitted)", "{\"model\":\"sim-large\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"How do vaccines train the immune system?\"}]}");
            send(base, "sim-large answers (admitted)", "{\"model\":\"sim-large\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"What causes the seasons on Earth?\"}]}");
            waitForBank(gateway, before + 2);
            System.out.println("  bank now holds " + gateway.bank().orElseThrow().store().stats().count()
                    + " examples");
            send(base, "similar question to sim-small", chat("sim-small", "Why does Earth have seasons?", false),
                    "x-iccache-debug", "1", "x-iccache-admin-key", adminKey);
            send(base, "unrelated question to sim-small", chat("sim-small", "Write a limerick about a cat.", false),
                    "x-iccache-debug", "1", "x-iccache-admin-key", adminKey);
            System.out.println("\nRouting: requests for the virtual model 'iccache'. The small model serves only after "
                    + "it has been shadow-run and judged (simulated judge) often enough, and only where its judged "
                    + "quality is close enough to the large one's: a burst beyond the large model's " + LARGE_CAPACITY
                    + " slots raises the load bias, but a small model that rarely wins its judgments (the quality "
                    + "guard's win rate) keeps losing to the large one.");
            phase(base, gateway, "quiet: 40 requests, 1 at a time", 40, 1);
            phase(base, gateway, "burst: 192 requests, 64 at a time", 192, 64);
            phase(base, gateway, "quiet again: 40 requests, 1 at a time", 40, 1);

            System.out.println("\n/metrics (requests):");
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            metrics.lines().filter(l -> l.startsWith("iccache_requests_total")
                    || l.startsWith("iccache_backend_time_to_first_token_seconds_count")
                    || l.startsWith("iccache_bank_") || l.startsWith("iccache_selection_total"))
                    .forEach(l -> System.out.println("  " + l));
        }
        System.out.println("\nDone. Run `./iccache serve` to keep a gateway running (see README.md).");
        return 0;
    }

    private SimBackendServer simServer(String name, SimProfile profile) {
        SimulatedBackend backend = new SimulatedBackend(BackendConfig.simulated(name, profile.name(), timeScale),
                profile, SimClock.REAL, InstantSource.system(), 7, timeScale);
        return new SimBackendServer(backend, "127.0.0.1", 0).start();
    }

    private static String chat(String model, String prompt, boolean stream) {
        var body = Json.object();
        body.put("model", model);
        body.put("stream", stream);
        body.put("max_tokens", 40);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return body.toString();
    }

    /** Sends {@code n} routed requests, {@code concurrency} at a time, and prints where they went. */
    private void phase(String base, GatewayServer gateway, String label, int n, int concurrency) throws Exception {
        java.util.Map<String, Integer> byModel = new java.util.concurrent.ConcurrentSkipListMap<>();
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(concurrency);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                slots.acquire();
                String body = chat("iccache", QUESTIONS[i % QUESTIONS.length], false);
                pool.execute(() -> {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base
                                + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        byModel.merge(r.headers().firstValue("x-iccache-model").orElse("error " + r.statusCode()), 1,
                                Integer::sum);
                    } catch (Exception e) {
                        byModel.merge("error", 1, Integer::sum);
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        String metrics = gateway.metrics().scrape();
        System.out.printf("  %-40s served by %s; offload ratio EMA %s, load bias %s, quality-guard win rate %s%n",
                label, byModel, gauge(metrics, "iccache_router_offload_ratio"),
                gauge(metrics, "iccache_router_load_bias"), gauge(metrics, "iccache_quality_guard_win_rate"));
    }

    /** The first sample of a gauge (the only one of the demo's one domain, when it is per domain). */
    private static String gauge(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{")).findFirst()
                .map(l -> String.format(java.util.Locale.ROOT, "%.2f",
                        Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))))
                .orElse("-");
    }

    private static final String[] QUESTIONS = {"Explain photosynthesis briefly.", "What is a hash table?",
        "Why is the sky blue?", "How do vaccines work?", "What causes inflation?", "Summarise the water cycle.",
        "What is recursion?", "How do tides work?"};

    private static void waitForBank(GatewayServer gateway, long count) throws InterruptedException {
        for (int i = 0; i < 200 && gateway.bank().orElseThrow().store().stats().count() < count; i++) {
            Thread.sleep(50);
        }
    }

    private void send(String base, String label, String body, String... headers) throws Exception {
        long t0 = System.nanoTime();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<java.io.InputStream> res = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        String answer;
        String contentType = res.headers().firstValue("content-type").orElse("");
        if (contentType.startsWith("text/event-stream")) {
            StringBuilder text = new StringBuilder();
            int events = 0;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                        events++;
                        text.append(Json.MAPPER.readTree(line.substring(6)).path("choices").path(0).path("delta")
                                .path("content").asText(""));
                    }
                }
            }
            answer = "[" + events + " SSE events] " + text;
        } else {
            JsonNode json = Json.MAPPER.readTree(res.body().readAllBytes());
            answer = json.has("error") ? "error: " + json.path("error").path("message").asText()
                    : json.path("choices").path(0).path("message").path("content").asText();
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        System.out.printf("%-34s %6d %-10s %-8s %7.0fms %6sms  %s%n", label, res.statusCode(),
                res.headers().firstValue("x-iccache-model").orElse("-"),
                res.headers().firstValue("x-iccache-route").orElse("-"), ms,
                res.headers().firstValue("x-iccache-overhead-ms").orElse("-"), abbreviate(answer, 70));
        res.headers().firstValue("x-iccache-debug-selection").ifPresent(debug -> explain(res, debug));
    }

    /** Prints the examples a request got and why, from the debug header. */
    private static void explain(HttpResponse<?> res, String debug) {
        try {
            JsonNode d = Json.MAPPER.readTree(debug);
            System.out.printf("    x-iccache-examples: %s (threshold %.2f)%n",
                    res.headers().firstValue("x-iccache-examples").orElse("?"), d.path("threshold").asDouble());
            for (JsonNode c : d.path("candidates")) {
                System.out.printf("      candidate %s  similarity %.3f  utility %s  -> %s%n",
                        c.path("id").asText().substring(0, 8), c.path("similarity").asDouble(),
                        c.path("utility").isNull() ? "-" : String.format(java.util.Locale.ROOT, "%.3f",
                                c.path("utility").asDouble()), c.path("verdict").asText());
            }
        } catch (java.io.IOException e) {
            System.out.println("    (unreadable debug header: " + e.getMessage() + ")");
        }
    }

    private static String abbreviate(String s, int n) {
        return s.length() > n ? s.substring(0, n - 3) + "..." : s;
    }
}
