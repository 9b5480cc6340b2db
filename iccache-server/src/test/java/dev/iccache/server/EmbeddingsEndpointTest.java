package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.EmbeddingsConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.select.TokenCounter;
import dev.iccache.testing.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/embeddings} over loopback HTTP: the bank's real embedder (all-MiniLM-L6-v2) under its
 * model name, and a remote embedding model the body is forwarded to.
 */
class EmbeddingsEndpointTest {
    private static final String REMOTE_ANSWER = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[0.6,0.8]}],\"model\":\"bge\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}";
    @TempDir
    static Path dataDir;
    private static FakeUpstream upstream;
    private static GatewayServer gateway;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = new FakeUpstream((ex, n) -> FakeUpstream.json(ex, 200, REMOTE_ANSWER));
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(BankConfig.DEFAULT.withStore("memory"))
                .backends(List.of(BackendConfig.simulated("sim", "small", 1000)))
                .embeddings(new EmbeddingsConfig(true, null, 16, 512, List.of(new BackendConfig("remote-emb",
                        upstream.baseUrl(), "BAAI/bge-small-en-v1.5", null, BackendRole.LARGE, 0, 0, 0, 0, 0, 0, 0, 0,
                        null, 0))))
                .build(), Map.<String, String>of()::get);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/embeddings"))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static float[] vector(JsonNode item) {
        float[] v = new float[item.path("embedding").size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) item.path("embedding").get(i).asDouble();
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void theBanksEmbedderAnswersUnderItsModelName() throws Exception {
        List<String> texts = List.of("How do I reset my password?", "I forgot my password, how can I change it?",
                "What is the boiling point of water at sea level?");
        HttpResponse<String> r = post("{\"model\":\"all-minilm-l6-v2-q\",\"input\":"
                + Json.MAPPER.writeValueAsString(texts) + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).contains("all-minilm-l6-v2-q");
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.path("model").asText()).isEqualTo("all-minilm-l6-v2-q");
        JsonNode data = body.path("data");
        assertThat(data).hasSize(3);
        float[][] v = {vector(data.get(0)), vector(data.get(1)), vector(data.get(2))};
        assertThat(v[0]).hasSize(384);
        assertThat(dot(v[0], v[0])).as("unit length").isCloseTo(1.0, within(1e-3));
        assertThat(dot(v[0], v[1])).as("paraphrases are closer than unrelated texts")
                .isGreaterThan(dot(v[0], v[2]) + 0.2);
        TokenCounter tokens = TokenCounter.cl100k();
        int expected = texts.stream().mapToInt(tokens::count).sum();
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(expected);
        String line = "iccache_api_requests_total{model=\"all-minilm-l6-v2-q\",path=\"/v1/embeddings\","
                + "status=\"200\",stream=\"false\"}";
        assertThat(Eventually.holds(() -> gateway.metrics().scrape().contains(line))).isTrue();
    }

    @Test
    void aRequestNamingARemoteEmbeddingModelIsForwardedAsItIs() throws Exception {
        int before = upstream.bodies.size();
        HttpResponse<String> r = post("{\"model\":\"remote-emb\",\"input\":[[1,2,3],[4]],\"dimensions\":2,"
                + "\"encoding_format\":\"float\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).contains("remote-emb");
        assertThat(Json.MAPPER.readTree(r.body())).isEqualTo(Json.MAPPER.readTree(REMOTE_ANSWER));
        assertThat(upstream.paths.get(before)).isEqualTo("/v1/embeddings");
        assertThat(Json.MAPPER.readTree(upstream.bodies.get(before))).as("token arrays and dimensions pass through")
                .isEqualTo(Json.MAPPER.readTree("{\"model\":\"BAAI/bge-small-en-v1.5\",\"input\":[[1,2,3],[4]],"
                        + "\"dimensions\":2,\"encoding_format\":\"float\"}"));
    }

    @Test
    void modelsThatDoNotEmbedAre400Or404NamingTheEmbeddingModels() throws Exception {
        HttpResponse<String> virtual = post("{\"model\":\"iccache\",\"input\":\"hi\"}");
        assertThat(virtual.statusCode()).isEqualTo(400);
        assertThat(virtual.body()).contains("routing does not apply to /v1/embeddings",
                "all-minilm-l6-v2-q, remote-emb");
        HttpResponse<String> chat = post("{\"model\":\"sim\",\"input\":\"hi\"}");
        assertThat(chat.statusCode()).isEqualTo(400);
        assertThat(chat.body()).contains("'sim' is a chat model");
        HttpResponse<String> unknown = post("{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(Json.MAPPER.readTree(unknown.body()).path("error").path("code").asText())
                .isEqualTo("model_not_found");
        HttpResponse<String> tokens = post("{\"model\":\"all-minilm-l6-v2-q\",\"input\":[1,2,3]}");
        assertThat(tokens.statusCode()).isEqualTo(400);
        assertThat(tokens.body()).contains("not token arrays");
    }

    @Test
    void aChatRequestNamingAnEmbeddingModelIs400PointingToTheEmbeddingsEndpoint() throws Exception {
        for (String model : List.of("all-minilm-l6-v2-q", "remote-emb")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                    + "/v1/chat/completions")).timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers
                    .ofString("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(model).isEqualTo(400);
            JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("unsupported_model");
            assertThat(error.path("param").asText()).isEqualTo("model");
            assertThat(error.path("message").asText()).contains("is an embedding model", "/v1/embeddings", "sim");
        }
    }

    @Test
    void modelsListsTheEmbeddingModelsWithTheirType() throws Exception {
        JsonNode models = Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.port() + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString()).body()).path("data");
        assertThat(models).extracting(m -> m.path("id").asText() + "/" + m.path("type").asText() + "/"
                + m.path("owned_by").asText()).containsExactly("iccache/chat/iccache", "sim/chat/iccache-simulated",
                "all-minilm-l6-v2-q/embedding/iccache", "remote-emb/embedding/upstream");
    }
}
