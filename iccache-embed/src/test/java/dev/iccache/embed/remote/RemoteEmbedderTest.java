package dev.iccache.embed.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.config.ConfigException;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderContract;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.FakeEmbedder;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RemoteEmbedderTest extends EmbedderContract {
    private static final Map<String, String> ENV = Map.of("EMBED_KEY", "sekrit");

    private FakeEmbeddingServer server;

    @Override
    protected Embedder createEmbedder() throws IOException {
        server = new FakeEmbeddingServer();
        return remote(server.baseUrl(), 10_000);
    }

    @BeforeEach
    void resetServer() {
        server.reset();
    }

    @AfterAll
    void stopServer() {
        server.close();
    }

    private static RemoteEmbedder remote(String baseUrl, long timeoutMs) {
        return new RemoteEmbedder(new EmbedderSettings(EmbedderSettings.Kind.REMOTE, baseUrl, "embed-small",
                "EMBED_KEY", timeoutMs, 0, 32, 0, 0), ENV::get);
    }

    private static void assertFailure(Embedder e, ErrorKind kind, String message) {
        assertThatThrownBy(() -> e.embed("x")).isInstanceOfSatisfying(IccacheException.class,
                ex -> assertThat(ex.kind()).isEqualTo(kind)).hasMessageContaining(message);
    }

    @Test
    void oneRequestCarriesTheWholeBatchWithModelAndKey() {
        embedder.embedAll(List.of("a", "b", "c"));

        assertThat(server.received()).hasSize(1);
        FakeEmbeddingServer.Received r = server.received().get(0);
        assertThat(r.authorization()).isEqualTo("Bearer sekrit");
        JsonNode body = r.body();
        assertThat(body.path("model").asText()).isEqualTo("embed-small");
        assertThat(body.path("input").toString()).isEqualTo("[\"a\",\"b\",\"c\"]");
        assertThat(body.path("encoding_format").asText()).isEqualTo("float");
    }

    @Test
    void vectorsAreScaledToUnitLengthAndPutInInputOrder() {
        List<float[]> v = embedder.embedAll(List.of("first text", "second one"));
        assertThat(v.get(0)).containsExactly(FakeEmbedder.unitVector("first text"));
        assertThat(v.get(1)).containsExactly(FakeEmbedder.unitVector("second one"));
    }

    @Test
    void theDimensionIsLearntFromTheServerAndThenChecked() {
        try (RemoteEmbedder fresh = remote(server.baseUrl(), 10_000)) {
            assertThat(fresh.dimension()).isEqualTo(FakeEmbedder.DIMENSION);
            assertThat(fresh.dimension()).isEqualTo(FakeEmbedder.DIMENSION);
            assertThat(server.received()).hasSize(1);

            server.respondWith((ex, req) -> FakeEmbeddingServer.send(ex, 200,
                    "{\"data\":[{\"index\":0,\"embedding\":[1,2,3]}]}"));
            assertFailure(fresh, ErrorKind.BACKEND_UNAVAILABLE, "returned a vector of length 3; earlier vectors had length 16");
        }
    }

    @Test
    void vectorsOfOneAnswerMustAgreeInLength() {
        try (RemoteEmbedder fresh = remote(server.baseUrl(), 10_000)) {
            server.respondWith((ex, req) -> FakeEmbeddingServer.send(ex, 200,
                    "{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":1,\"embedding\":[1,2,3]}]}"));
            assertThatThrownBy(() -> fresh.embedAll(List.of("a", "b"))).isInstanceOf(IccacheException.class)
                    .hasMessageContaining("returned a vector of length 3; earlier vectors had length 2");
        }
    }

    @Test
    void httpErrorsBecomeBackendFailuresWithTheServersMessage() {
        server.respondWith((ex, req) -> FakeEmbeddingServer.send(ex, 500, "{\"error\":{\"message\":\"GPU on fire\"}}"));
        assertFailure(embedder, ErrorKind.BACKEND_UNAVAILABLE, "failed with HTTP 500: GPU on fire");
        server.respondWith((ex, req) -> FakeEmbeddingServer.send(ex, 401, "bad key"));
        assertFailure(embedder, ErrorKind.BACKEND_UNAVAILABLE, "HTTP 401: bad key");
        server.respondWith((ex, req) -> FakeEmbeddingServer.send(ex, 504, ""));
        assertFailure(embedder, ErrorKind.BACKEND_TIMEOUT, "HTTP 504: (empty body)");
    }

    @Test
    void malformedAnswersAreBackendFailures() {
        server.respondWith((ex, req) -> FakeEmbeddingServer.send(ex, 200, "<html>"));
        assertFailure(embedder, ErrorKind.BACKEND_UNAVAILABLE, "not JSON");
        server.respondWith((ex, req) -> FakeEmbeddingServer.send(ex, 200, "{\"data\":[]}"));
        assertFailure(embedder, ErrorKind.BACKEND_UNAVAILABLE, "returned 0 embeddings for 1 inputs");
        String zeros = "0,".repeat(FakeEmbedder.DIMENSION - 1) + "0";
        server.respondWith((ex, req) -> FakeEmbeddingServer.send(ex, 200,
                "{\"data\":[{\"index\":0,\"embedding\":[" + zeros + "]}]}"));
        assertFailure(embedder, ErrorKind.BACKEND_UNAVAILABLE, "cannot be scaled to unit length");
        server.respondWith((ex, req) -> FakeEmbeddingServer.send(ex, 200, "{\"data\":[{\"index\":0,\"embedding\":\"AAAA\"}]}"));
        assertFailure(embedder, ErrorKind.BACKEND_UNAVAILABLE, "not an array of numbers");
    }

    @Test
    void aSlowServerIsATimeout() {
        CountDownLatch never = new CountDownLatch(1);
        server.respondWith((ex, req) -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (RemoteEmbedder impatient = remote(server.baseUrl(), 200)) {
            assertFailure(impatient, ErrorKind.BACKEND_TIMEOUT, "did not answer within 200 ms");
        } finally {
            never.countDown();
        }
    }

    @Test
    void aClosedPortIsUnavailable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (RemoteEmbedder nobody = remote("http://127.0.0.1:" + port + "/v1", 2_000)) {
            assertFailure(nobody, ErrorKind.BACKEND_UNAVAILABLE, "is unreachable");
        }
    }

    @Test
    void aMissingKeyFailsAtConstructionAndOtherKindsAreRefused() {
        EmbedderSettings needsKey = new EmbedderSettings(EmbedderSettings.Kind.REMOTE, server.baseUrl(), "m",
                "NOT_SET", 1000, 0, 32, 0, 0);
        assertThatThrownBy(() -> new RemoteEmbedder(needsKey, name -> null)).isInstanceOf(ConfigException.class)
                .hasMessage("embedder: environment variable NOT_SET (api-key-env) is not set");
        assertThatThrownBy(() -> new RemoteEmbedder(EmbedderSettings.DEFAULT, name -> null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not remote");
    }

    @Test
    void noKeyMeansNoAuthorizationHeader() {
        try (RemoteEmbedder open = new RemoteEmbedder(EmbedderSettings.remote(server.baseUrl(), "m"), name -> null)) {
            open.embed("x");
        }
        assertThat(server.received().get(0).authorization()).isNull();
    }
}
