package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.config.TenantConfig;
import dev.iccache.exact.ExactCacheSettings;
import dev.iccache.testing.Eventually;
import dev.iccache.time.VirtualClock;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact-match answers over loopback HTTP, in front of a scripted upstream whose every answer is new
 * ("answer 1", "answer 2", ...), so that a repeated answer can only come from the cache.
 */
class ExactCacheIntegrationTest {
    private static final String QUESTION = "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"What is the capital of France?\"}]";
    private static final String A = "sk-tenant-a";
    private static final String B = "sk-tenant-b";
    private static final String C = "sk-tenant-c";
    @TempDir
    Path dataDir;
    private final VirtualClock clock = new VirtualClock();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private FakeUpstream upstream;
    private GatewayServer gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream((ex, call) -> {
            JsonNode sent = Json.MAPPER.readTree(FakeUpstream.body(ex));
            if (!sent.path("stream").asBoolean()) {
                FakeUpstream.json(ex, 200, FakeUpstream.completion("answer " + call));
                return;
            }
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.chunk("answer ", null));
            FakeUpstream.event(out, FakeUpstream.chunk(Integer.toString(call), "stop"));
            FakeUpstream.event(out, "{\"id\":\"up-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                    + "\"model\":\"upstream\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,"
                    + "\"total_tokens\":5}}");
            FakeUpstream.event(out, "[DONE]");
        });
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(new BankConfig(false, "memory", List.of(), 0.98, 0, 1000, 0, 0))
                .backends(List.of(BackendConfig.remote("fake", upstream.baseUrl(), BackendRole.LARGE)))
                .tenants(List.of(new TenantConfig("a", "KEY_A", true, null, 0, true),
                        new TenantConfig("b", "KEY_B", true, null, 0, true),
                        new TenantConfig("c", "KEY_C", true)))
                .exactCache(new ExactCacheSettings(false, 60, 1 << 20)).build(),
                Map.of("KEY_A", A, "KEY_B", B, "KEY_C", C)::get, clock);
    }

    @AfterEach
    void stop() {
        gateway.close();
        upstream.close();
    }

    private HttpResponse<String> post(String key, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/v1/chat/completions")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String content(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body()).path("choices").path(0).path("message").path("content").asText();
    }

    private static String streamedContent(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        StringBuilder text = new StringBuilder();
        GatewayIntegrationTest.events(r.body()).forEach(e -> text.append(e.path("choices").path(0).path("delta")
                .path("content").asText("")));
        return text.toString();
    }

    private static String cache(HttpResponse<String> r) {
        return r.headers().firstValue("x-iccache-cache").orElse("none");
    }

    @Test
    void anIdenticalDeterministicRequestGetsTheStoredAnswer() throws Exception {
        HttpResponse<String> first = post(A, "{\"model\":\"fake\",\"temperature\":0," + QUESTION + "}");
        assertThat(content(first)).isEqualTo("answer 1");
        assertThat(cache(first)).isEqualTo("miss");

        HttpResponse<String> again = post(A, "{" + QUESTION + ",\"user\":\"someone else\",\"temperature\":0.0,"
                + "\"stream\":false,\"model\":\"fake\"}");
        assertThat(content(again)).isEqualTo("answer 1");
        assertThat(cache(again)).isEqualTo("exact");
        assertThat(again.headers().firstValue("x-iccache-route")).hasValue("exact");
        assertThat(again.headers().firstValue("x-iccache-model")).hasValue("fake");
        JsonNode body = Json.MAPPER.readTree(again.body());
        assertThat(body.path("id").asText()).startsWith("chatcmpl-")
                .isNotEqualTo(Json.MAPPER.readTree(first.body()).path("id").asText());
        assertThat(body.path("model").asText()).isEqualTo("fake");
        assertThat(body.path("created").asLong()).isPositive();
        assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(4);

        HttpResponse<String> streamed = post(A, "{\"model\":\"fake\",\"temperature\":0,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}," + QUESTION + "}");
        assertThat(streamedContent(streamed)).isEqualTo("answer 1");
        assertThat(cache(streamed)).isEqualTo("exact");
        List<JsonNode> events = GatewayIntegrationTest.events(streamed.body());
        assertThat(events).allSatisfy(e -> {
            assertThat(e.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(e.path("model").asText()).isEqualTo("fake");
        });
        assertThat(events.get(events.size() - 1).path("usage").path("total_tokens").asInt()).isEqualTo(4);

        assertThat(upstream.bodies).hasSize(1);
        assertThat(gateway.metrics().scrape()).contains("iccache_exact_cache_lookups_total{result=\"hit\"} 2.0",
                "iccache_exact_cache_lookups_total{result=\"miss\"} 1.0", "iccache_exact_cache_entries 1.0");
        // counted once the response ended, which the client may see first
        assertThat(Eventually.holds(() -> gateway.metrics().scrape().contains(
                "iccache_requests_total{backend=\"fake\",endpoint=\"/v1/chat/completions\",route=\"exact\",status=\"200\",stream=\"true\"} 1.0")))
                .isTrue();
    }

    @Test
    void aStreamedAnswerIsStoredAndServedWhole() throws Exception {
        String request = "\"model\":\"fake\",\"seed\":4,\"temperature\":0.9," + QUESTION;
        HttpResponse<String> streamed = post(A, "{\"stream\":true," + request + "}");
        assertThat(streamedContent(streamed)).isEqualTo("answer 1");
        assertThat(cache(streamed)).isEqualTo("miss");
        HttpResponse<String> whole = post(A, "{" + request + "}");
        assertThat(content(whole)).isEqualTo("answer 1");
        assertThat(cache(whole)).isEqualTo("exact");
        assertThat(Json.MAPPER.readTree(whole.body()).path("choices").path(0).path("finish_reason").asText())
                .isEqualTo("stop");
        assertThat(upstream.bodies).hasSize(1);
    }

    @Test
    void noStoreNeitherReadsNorWrites() throws Exception {
        String request = "{\"model\":\"fake\",\"temperature\":0," + QUESTION + "}";
        HttpResponse<String> private1 = post(A, request, "x-iccache-no-store", "true");
        assertThat(content(private1)).isEqualTo("answer 1");
        assertThat(cache(private1)).isEqualTo("none");
        HttpResponse<String> stored = post(A, request);
        assertThat(content(stored)).isEqualTo("answer 2");
        assertThat(cache(stored)).isEqualTo("miss");
        HttpResponse<String> private2 = post(A, request, "x-iccache-no-store", "true");
        assertThat(content(private2)).isEqualTo("answer 3");
        assertThat(cache(private2)).isEqualTo("none");
        assertThat(content(post(A, request))).isEqualTo("answer 2");
    }

    @Test
    void answersNeverCrossTenantsAndOnlyServeTenantsWithTheCache() throws Exception {
        String request = "{\"model\":\"fake\",\"temperature\":0," + QUESTION + "}";
        assertThat(content(post(A, request))).isEqualTo("answer 1");
        HttpResponse<String> other = post(B, request);
        assertThat(content(other)).isEqualTo("answer 2");
        assertThat(cache(other)).isEqualTo("miss");
        assertThat(content(post(B, request))).isEqualTo("answer 2");
        assertThat(content(post(A, request))).isEqualTo("answer 1");
        HttpResponse<String> off = post(C, request);
        assertThat(content(off)).isEqualTo("answer 3");
        assertThat(cache(off)).isEqualTo("none");
        assertThat(content(post(C, request))).isEqualTo("answer 4");
    }

    @Test
    void requestsThatAreNotDeterministicAreNotCached() throws Exception {
        String request = "{\"model\":\"fake\",\"temperature\":0.7," + QUESTION + "}";
        HttpResponse<String> first = post(A, request);
        assertThat(cache(first)).isEqualTo("none");
        assertThat(content(first)).isEqualTo("answer 1");
        assertThat(content(post(A, request))).isEqualTo("answer 2");
        assertThat(content(post(A, "{\"model\":\"fake\"," + QUESTION + "}"))).isEqualTo("answer 3");
    }

    @Test
    void answersExpireAfterTheirTimeToLive() throws Exception {
        String request = "{\"model\":\"fake\",\"temperature\":0," + QUESTION + "}";
        assertThat(content(post(A, request))).isEqualTo("answer 1");
        clock.sleepNanos(TimeUnit.SECONDS.toNanos(59));
        assertThat(content(post(A, request))).isEqualTo("answer 1");
        clock.sleepNanos(TimeUnit.SECONDS.toNanos(2));
        HttpResponse<String> expired = post(A, request);
        assertThat(content(expired)).isEqualTo("answer 2");
        assertThat(cache(expired)).isEqualTo("miss");
    }

    @Test
    void severalChoicesAreStoredTogether() throws Exception {
        String request = "{\"model\":\"fake\",\"n\":2,\"temperature\":0," + QUESTION + "}";
        HttpResponse<String> first = post(A, request);
        assertThat(cache(first)).isEqualTo("miss");
        HttpResponse<String> again = post(A, request);
        assertThat(cache(again)).isEqualTo("exact");
        assertThat(Json.MAPPER.readTree(again.body()).path("choices"))
                .isEqualTo(Json.MAPPER.readTree(first.body()).path("choices"));
        assertThat(Json.MAPPER.readTree(again.body()).path("choices")).hasSize(2);
        assertThat(upstream.bodies).hasSize(2);
        HttpResponse<String> oneChoice = post(A, "{\"model\":\"fake\",\"temperature\":0," + QUESTION + "}");
        assertThat(cache(oneChoice)).isEqualTo("miss");
    }
}
