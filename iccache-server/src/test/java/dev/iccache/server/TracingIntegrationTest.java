package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.iccache.config.BankConfig;
import dev.iccache.config.TracingSettings;
import dev.iccache.testing.Eventually;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces of real requests through the gateway, received by an OTLP/HTTP receiver on loopback: the
 * spans of a routed request (server, route, embeddings, select, search, upstream chat call and its
 * HTTP attempt) continuing the caller's W3C trace, and of a shadow run.
 */
class TracingIntegrationTest {
    private static final String HELLO = "{\"model\":\"iccache\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Explain photosynthesis briefly.\"}]}";
    private static final String SPAN_ID = "00f067aa0ba902b7";

    @TempDir
    Path dataDir;
    private HttpServer receiver;
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    /** A minimal OTLP/HTTP traces endpoint: POST /v1/traces with a protobuf ExportTraceServiceRequest. */
    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                if (!exchange.getRequestMethod().equals("POST")) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
                for (ResourceSpans rs : request.getResourceSpansList()) {
                    for (ScopeSpans ss : rs.getScopeSpansList()) {
                        spans.addAll(ss.getSpansList());
                    }
                }
                byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, ok.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(ok);
                }
            } catch (IOException | RuntimeException | Error e) {
                failures.add(e);
                throw e;
            }
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    @Test
    void aRoutedRequestAndItsShadowRunReachTheReceiverAsOneTrace() throws Exception {
        String endpoint = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces";
        int requests = 6;
        int largePort;
        try (TestCluster cluster = new TestCluster(1000, b -> b.dataDir(dataDir)
                .bank(BankConfig.DEFAULT.withStore("memory")).tracing(TracingSettings.to(endpoint)), Map.of())) {
            largePort = cluster.large.port();
            for (int i = 0; i < requests; i++) {
                HttpResponse<String> r = cluster.post("/v1/chat/completions", HELLO, "traceparent",
                        "00-" + traceId(i) + "-" + SPAN_ID + "-01");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            // Shadow runs go on in the background after the responses; the gateway's close flushes their spans.
            assertThat(Eventually.holds(() -> cluster.gateway.metrics().scrape()
                    .contains("iccache_router_shadow_total{outcome=\"judged\"}"))).isTrue();
        }
        assertThat(failures).as("exports the receiver could not read").isEmpty();
        assertThat(contentTypes).isNotEmpty().allMatch("application/x-protobuf"::equals);

        Map<String, Span> first = byName(trace(0));
        assertThat(first).as("spans received: %s", names()).containsKeys("POST /v1/chat/completions", "iccache.route",
                "embeddings", "iccache.select", "iccache.search", "chat sim-large", "POST");
        Span server = first.get("POST /v1/chat/completions");
        assertThat(server.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(hex(server.getParentSpanId())).as("continues the caller's traceparent").isEqualTo(SPAN_ID);
        assertThat(attributes(server)).containsEntry("gen_ai.operation.name", "chat")
                .containsEntry("gen_ai.request.model", "iccache").containsEntry("iccache.tenant", "default")
                .containsEntry("iccache.route", "routed").containsEntry("iccache.model", "sim-large")
                .containsEntry("iccache.examples", "0").containsEntry("http.response.status_code", "200");

        Span route = first.get("iccache.route");
        assertThat(route.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(attributes(route)).containsEntry("iccache.route", "routed").containsEntry("iccache.model",
                "sim-large");
        Span embed = first.get("embeddings");
        assertThat(embed.getParentSpanId()).as("the router embeds the request once").isEqualTo(route.getSpanId());
        assertThat(attributes(embed)).containsEntry("gen_ai.operation.name", "embeddings")
                .containsEntry("gen_ai.embeddings.dimension.count", "384");
        Span select = first.get("iccache.select");
        assertThat(select.getParentSpanId()).isEqualTo(route.getSpanId());
        assertThat(attributes(select)).containsEntry("iccache.target.model", "sim-small")
                .containsEntry("iccache.selection.outcome", "none").containsEntry("iccache.examples", "0");
        Span search = first.get("iccache.search");
        assertThat(search.getParentSpanId()).as("runs on a selection thread, in the select span")
                .isEqualTo(select.getSpanId());
        assertThat(attributes(search)).containsEntry("iccache.candidates", "0");

        Span chat = first.get("chat sim-large");
        assertThat(chat.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(chat.getParentSpanId()).isEqualTo(server.getSpanId());
        Map<String, String> genAi = attributes(chat);
        assertThat(genAi).containsEntry("gen_ai.operation.name", "chat").containsEntry("gen_ai.provider.name",
                "openai").containsEntry("gen_ai.request.model", "sim-large").containsEntry("gen_ai.response.model",
                "sim-large").containsEntry("gen_ai.request.max_tokens", "64").containsKey("gen_ai.response.id");
        assertThat(Long.parseLong(genAi.get("gen_ai.usage.input_tokens"))).isPositive();
        assertThat(Long.parseLong(genAi.get("gen_ai.usage.output_tokens"))).isPositive();
        Span attempt = first.get("POST");
        assertThat(attempt.getParentSpanId()).isEqualTo(chat.getSpanId());
        assertThat(attributes(attempt)).containsEntry("server.address", "127.0.0.1")
                .containsEntry("server.port", Integer.toString(largePort))
                .containsEntry("http.response.status_code", "200").containsEntry("http.request.resend_count", "0");

        List<Span> shadows = spans.stream().filter(s -> s.getName().equals("iccache.shadow")).toList();
        assertThat(shadows).isNotEmpty();
        Span shadow = shadows.get(0);
        Map<String, Span> shadowTrace = byName(spans.stream().filter(s -> s.getTraceId().equals(shadow.getTraceId()))
                .toList());
        assertThat(shadow.getParentSpanId()).as("a shadow run belongs to the request that started it")
                .isEqualTo(shadowTrace.get("POST /v1/chat/completions").getSpanId());
        String shadowModel = attributes(shadow).get("iccache.shadow.model");
        assertThat(attributes(shadow)).containsEntry("iccache.shadow.outcome", "judged");
        assertThat(shadowTrace.get("chat " + shadowModel).getParentSpanId()).isEqualTo(shadow.getSpanId());
    }

    @Test
    void eachChoiceOfARequestWithoutTraceparentIsACallInTheRequestsNewTrace() throws Exception {
        String endpoint = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces";
        try (TestCluster cluster = new TestCluster(1000, b -> b.dataDir(dataDir)
                .bank(BankConfig.DEFAULT.withStore("memory")).tracing(TracingSettings.to(endpoint)), Map.of())) {
            HttpResponse<String> r = cluster.post("/v1/chat/completions", "{\"model\":\"sim-small\",\"n\":2,"
                    + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Name two planets.\"}]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        List<Span> servers = spans.stream().filter(s -> s.getName().equals("POST /v1/chat/completions")).toList();
        assertThat(servers).as("spans received: %s", names()).hasSize(1);
        Span server = servers.get(0);
        assertThat(server.getParentSpanId().isEmpty()).as("no traceparent: a new trace").isTrue();
        assertThat(attributes(server)).containsEntry("iccache.route", "pinned").containsEntry("gen_ai.request.model",
                "sim-small");
        List<Span> calls = spans.stream().filter(s -> s.getName().equals("chat sim-small")).toList();
        assertThat(calls).as("one call per choice, run on other threads in the request's span").hasSize(2)
                .allMatch(c -> c.getTraceId().equals(server.getTraceId())
                        && c.getParentSpanId().equals(server.getSpanId()));
    }

    private List<String> names() {
        return spans.stream().map(s -> s.getName() + "@" + hex(s.getTraceId())).toList();
    }

    private static String traceId(int i) {
        return "4bf92f3577b34da6a3ce929d0e0e47" + HexFormat.of().toHexDigits((byte) i);
    }

    private List<Span> trace(int i) {
        return spans.stream().filter(s -> hex(s.getTraceId()).equals(traceId(i))).toList();
    }

    /** The trace's spans by name; the first of a name when several (a request has one of each checked here). */
    private static Map<String, Span> byName(List<Span> trace) {
        return trace.stream().collect(Collectors.toMap(Span::getName, s -> s, (a, b) -> a));
    }

    private static String hex(com.google.protobuf.ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }

    private static Map<String, String> attributes(Span span) {
        return span.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey,
                kv -> text(kv.getValue()), (a, b) -> a));
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            default -> v.toString();
        };
    }
}
