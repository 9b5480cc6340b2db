package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.admission.AdmissionOutcome;
import dev.iccache.admission.Candidate;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.select.SelectionSettings;
import dev.iccache.config.ServerConfig;
import dev.iccache.models.InstalledModels;
import dev.iccache.models.LocalModel;
import dev.iccache.models.ModelCache;
import dev.iccache.models.ModelServer;
import dev.iccache.models.ModelsConfig;
import dev.iccache.tenant.Tenant;
import dev.iccache.testing.Eventually;
import dev.iccache.time.Ticker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Live tests: the real small models of config/models.yaml, served by llama.cpp on loopback, behind
 * the gateway. They run when {@code ICCACHE_LIVE=1} (or {@code -Diccache.live=true}) and the models
 * are installed ({@code ./iccache models install}); otherwise they are skipped with a printed line.
 * Each run starts its own servers on free ports and stops them, whatever happens.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class LiveModelsTest {
    private static final Duration READY_WITHIN = Duration.ofSeconds(120);
    private static final String EXPENDABLE = "expendable";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<ModelServer> servers = new ArrayList<>();
    private Path logs;
    private LocalModel smallModel;
    private LocalModel largeModel;
    private ModelServer small;
    private ModelServer large;
    private ModelServer expendable;
    private GatewayServer gateway;

    static boolean enabled() {
        return "1".equals(System.getenv("ICCACHE_LIVE")) || Boolean.getBoolean("iccache.live");
    }

    @BeforeAll
    void start() throws Exception {
        if (!enabled()) {
            System.out.println("LIVE MODEL TESTS SKIPPED: set ICCACHE_LIVE=1 after ./iccache models install to run them"
                    + " (.ci/run does when the models are installed)");
            Assumptions.abort("live model tests need ICCACHE_LIVE=1");
        }
        ModelsConfig config = ModelsConfig.load(ModelsConfig.locate(Path.of("")));
        ModelCache cache = ModelCache.locate(Optional.empty(), System::getenv);
        InstalledModels installed = InstalledModels.require(cache, config);
        smallModel = config.first(BackendRole.SMALL).orElseThrow();
        largeModel = config.first(BackendRole.LARGE).orElseThrow();
        logs = Files.createTempDirectory("iccache-live-");
        try {
            small = launch(config, installed, smallModel, "small");
            large = launch(config, installed, largeModel, "large");
            expendable = launch(config, installed, smallModel, EXPENDABLE);
            gateway = GatewayServer.start(IccacheConfig.builder()
                    .server(new ServerConfig("127.0.0.1", 0, 1 << 20)).dataDir(logs.resolve("data"))
                    .bank(BankConfig.DEFAULT.withStore("memory")).defaultModel(largeModel.name())
                    // No exploration probes: their background calls would add to the token counts checked here.
                    .selection(noExploration())
                    .backends(List.of(smallModel.backend(small.baseUrl()), largeModel.backend(large.baseUrl()),
                            withName(smallModel, EXPENDABLE).backend(expendable.baseUrl()))).build(),
                    Map.of("ICCACHE_ADMIN_KEY", "adm")::get);
        } catch (RuntimeException | Error e) {
            stop();
            throw e;
        }
        System.out.println("live model tests: " + smallModel.name() + " on " + small.baseUrl() + ", " + largeModel.name()
                + " on " + large.baseUrl() + ", gateway on port " + gateway.port() + " (server logs in " + logs + ")");
    }

    private ModelServer launch(ModelsConfig config, InstalledModels installed, LocalModel m, String tag)
            throws IOException {
        ModelServer s = ModelServer.start(config, installed, m, freePort(), logs.resolve(tag + ".log"), false,
                READY_WITHIN, Ticker.SYSTEM);
        servers.add(s);
        return s;
    }

    private static SelectionSettings noExploration() {
        SelectionSettings d = SelectionSettings.DEFAULT;
        return new SelectionSettings(d.enabled(), d.candidates(), d.maxExamples(), d.threshold(), d.diversity(),
                d.maxMessages(), d.outputReserveTokens(), d.timeoutMs(), d.minSimilarity(), 0,
                d.syncSeconds());
    }

    private static LocalModel withName(LocalModel m, String name) {
        return new LocalModel(name, m.description(), m.role(), m.cost(), m.packages(), m.files(), m.sha256(), m.port(),
                m.contextWindow(), m.serverArgs(), m.requantize());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        servers.forEach(ModelServer::close);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void nonStreamingChatThroughTheGatewayReportsUsageAndCountsTokens() throws Exception {
        double before = counter("iccache_backend_tokens_total{backend=\"" + smallModel.name() + "\",kind=\"completion\"}");
        HttpResponse<String> r = post(chat(smallModel.name(), "What is the capital of France?", 16, false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue(smallModel.name());
        JsonNode body = Json.parse(r.body().getBytes(StandardCharsets.UTF_8));
        assertThat(body.path("model").asText()).isEqualTo(smallModel.name());
        assertThat(body.path("choices").path(0).path("message").path("content").asText()).isNotBlank();
        JsonNode usage = body.path("usage");
        int prompt = usage.path("prompt_tokens").asInt();
        int completion = usage.path("completion_tokens").asInt();
        assertThat(prompt).isBetween(5, 100);
        assertThat(completion).isBetween(1, 16);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(prompt + completion);
        assertThat(counter("iccache_backend_tokens_total{backend=\"" + smallModel.name() + "\",kind=\"completion\"}")
                - before).isEqualTo(completion);
    }

    @Test
    void streamingChatRelaysTokensAndEndsWithUsage() throws Exception {
        ObjectNode req = chat(largeModel.name(), "Name three colours.", 24, true);
        req.putObject("stream_options").put("include_usage", true);
        HttpResponse<String> r = post(req);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<JsonNode> events = new ArrayList<>();
        boolean done = false;
        for (String line : r.body().split("\n")) {
            if (line.equals("data: [DONE]")) {
                done = true;
            } else if (line.startsWith("data: ")) {
                events.add(Json.parse(line.substring(6).getBytes(StandardCharsets.UTF_8)));
            }
        }
        assertThat(done).as("ends with [DONE]").isTrue();
        StringBuilder text = new StringBuilder();
        events.forEach(e -> text.append(e.path("choices").path(0).path("delta").path("content").asText("")));
        assertThat(text.toString()).isNotBlank();
        JsonNode last = events.get(events.size() - 1);
        int completion = last.path("usage").path("completion_tokens").asInt();
        assertThat(completion).as("usage in the last event: " + last).isBetween(1, 24);
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isPositive();
        assertThat(events.stream().filter(e -> !e.path("choices").path(0).path("delta").path("content").asText("")
                .isEmpty()).count()).as("one event per token at most").isLessThanOrEqualTo(completion);
    }

    @Test
    void selectedExamplesReachTheModelInItsOwnChatTemplate() throws Exception {
        ExampleBank bank = gateway.bank().orElseThrow();
        String fact = "What is the name of the lighthouse keeper's cat on Tarrow Island?";
        List<AdmissionOutcome> outcomes = bank.admitter().admitAll(List.of(
                pair(fact, "The lighthouse keeper's cat on Tarrow Island is called Mister Pemberton."),
                pair("How many legs does a spider have?", "A spider has eight legs.")));
        assertThat(outcomes).doesNotContain(AdmissionOutcome.FAILED, AdmissionOutcome.PII);
        String question = "What is the name of the lighthouse keeper's cat on Tarrow island?";

        // What the gateway sends upstream, rendered by the model server's own chat template.
        HttpResponse<String> explain = post("/admin/explain", chat(smallModel.name(), question, 24, false),
                "Authorization", "Bearer adm");
        assertThat(explain.statusCode()).as(explain.body()).isEqualTo(200);
        JsonNode upstream = Json.parse(explain.body().getBytes(StandardCharsets.UTF_8)).path("upstream_messages");
        ObjectNode apply = Json.object();
        apply.set("messages", upstream);
        HttpResponse<String> rendered = http.send(HttpRequest.newBuilder(URI.create(
                small.baseUrl().replace("/v1", "") + "/apply-template")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(apply.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rendered.statusCode()).as(rendered.body()).isEqualTo(200);
        String prompt = Json.parse(rendered.body().getBytes(StandardCharsets.UTF_8)).path("prompt").asText();
        assertThat(prompt).contains("<|im_start|>system\n", "Mister Pemberton", "<|im_start|>user\n" + question,
                "<|im_end|>").endsWith("<|im_start|>assistant\n");
        assertThat(prompt.indexOf("<examples-")).isLessThan(prompt.indexOf("<|im_start|>user"));

        HttpResponse<String> r = post(chat(smallModel.name(), question, 24, false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-examples").map(Integer::parseInt).orElse(0)).isPositive();
        JsonNode body = Json.parse(r.body().getBytes(StandardCharsets.UTF_8));
        assertThat(body.path("choices").path(0).path("message").path("content").asText()).containsIgnoringCase("Pemberton");
        HttpResponse<String> plain = post(chat(smallModel.name(), "Which colour do you get by mixing blue and yellow?",
                24, false));
        assertThat(plain.headers().firstValue("x-iccache-examples")).hasValue("0");
        assertThat(body.path("usage").path("prompt_tokens").asInt()).as("examples count as prompt tokens")
                .isGreaterThan(Json.parse(plain.body().getBytes(StandardCharsets.UTF_8)).path("usage")
                        .path("prompt_tokens").asInt() + 150);
    }

    @Test
    void aRequestBeyondTheContextWindowIsACleanBadRequest() throws Exception {
        String huge = "lorem ipsum dolor sit amet ".repeat(smallModel.contextWindow());
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> r = post(chat(smallModel.name(), huge, 16, stream));
            assertThat(r.statusCode()).as("stream=" + stream + ": " + r.body()).isEqualTo(400);
            JsonNode error = Json.parse(r.body().getBytes(StandardCharsets.UTF_8)).path("error");
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.path("message").asText()).containsIgnoringCase("context");
        }
    }

    @Test
    void aServerKilledMidStreamEndsTheStreamWithAnErrorEvent() throws Exception {
        ObjectNode req = chat(EXPENDABLE, "Write a long story about a dragon.", 2000, true);
        req.put("ignore_eos", true);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (Socket socket = send(req)) {
                BufferedReader in = reader(socket);
                assertThat(readEvents(in, 3)).isEqualTo(3);
                expendable.kill();
                List<String> rest = new ArrayList<>();
                String line;
                // until the response ends: the last chunk of the chunked body ("0"), or the connection closing
                while ((line = in.readLine()) != null && !line.equals("0")) {
                    rest.add(line);
                }
                assertThat(line).as("the response ended").isNotNull();
                assertThat(rest).anyMatch(l -> l.startsWith("data: {\"error\"")).noneMatch(l -> l.equals("data: [DONE]"));
            }
        });
        HttpResponse<String> after = post(chat(EXPENDABLE, "Hello", 4, false));
        assertThat(after.statusCode()).as(after.body()).isEqualTo(502);
        assertThat(after.body()).contains(EXPENDABLE);
    }

    @Test
    void aClientHangingUpStopsTheGenerationOnTheServer() throws Exception {
        long logBefore = Files.size(small.log());
        ObjectNode req = chat(smallModel.name(), "Count from one to one thousand, in words.", 1900, true);
        req.put("ignore_eos", true);
        try (Socket socket = send(req)) {
            assertThat(readEvents(reader(socket), 3)).isEqualTo(3);
        }
        assertThat(Eventually.holds(() -> !processing(small))).as("the server's slot is free again").isTrue();
        assertThat(Eventually.holds(() -> gateway.metrics().scrape().contains(
                "iccache_backend_requests_total{backend=\"" + smallModel.name() + "\",outcome=\"cancelled\"} 1.0")))
                .as("the gateway counted a cancelled call").isTrue();
        // The server's own account (its log): the task was cancelled, with a few tokens of the 1,900 generated.
        String log = Files.readString(small.log()).substring((int) logBefore);
        Matcher cancel = Pattern.compile("cancel task, id_task = (\\d+)").matcher(log);
        assertThat(cancel.find()).as("the server cancelled a task:%n%s", log).isTrue();
        Matcher released = Pattern.compile("task " + cancel.group(1) + " \\| stop processing: n_tokens = (\\d+)")
                .matcher(log);
        assertThat(released.find()).as("the cancelled task released its slot:%n%s", log).isTrue();
        assertThat(Integer.parseInt(released.group(1))).as("tokens in the slot when it stopped").isLessThan(500);
        HttpResponse<String> next = post(chat(smallModel.name(), "Say hello.", 4, false));
        assertThat(next.statusCode()).isEqualTo(200);
    }

    // --- helpers

    private static ObjectNode chat(String model, String content, int maxTokens, boolean stream) {
        ObjectNode body = Json.object();
        body.put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", content);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("seed", 42);
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    private static Candidate pair(String question, String answer) {
        ChatRequest r = ChatRequest.parse(("{\"model\":\"large\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + question.replace("\"", "\\\"") + "\"}]}").getBytes(StandardCharsets.UTF_8));
        return new Candidate(Tenant.DEFAULT, r, answer, "large", Optional.of("stop"), 10, 10, OptionalDouble.of(0.9));
    }

    private HttpResponse<String> post(ObjectNode body) throws Exception {
        return post("/v1/chat/completions", body);
    }

    private HttpResponse<String> post(String path, ObjectNode body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Socket send(ObjectNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        Socket socket = new Socket("127.0.0.1", gateway.port());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.flush();
        return socket;
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Reads until {@code n} SSE data events arrived (or the stream ended); returns how many did. */
    private static int readEvents(BufferedReader in, int n) throws IOException {
        int events = 0;
        String line;
        while (events < n && (line = in.readLine()) != null) {
            if (line.startsWith("data: ")) {
                events++;
            }
        }
        return events;
    }

    private double counter(String series) {
        return value(gateway.metrics().scrape(), series);
    }

    private static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private boolean processing(ModelServer s) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl().replace("/v1", "") + "/slots"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("the server exposes /slots").isEqualTo(200);
        ArrayNode slots = (ArrayNode) Json.parse(r.body().getBytes(StandardCharsets.UTF_8));
        for (JsonNode slot : slots) {
            if (slot.path("is_processing").asBoolean()) {
                return true;
            }
        }
        return false;
    }
}
