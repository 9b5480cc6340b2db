package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.config.BankConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/1.0 clients (nginx's default upstream protocol, ab, old health checkers) are served (issue 15, finding 8). */
class Http10ClientTest {
    private static final String CHAT = "{\"model\":\"sim-small\",\"max_tokens\":6,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    @TempDir
    static Path dataDir;
    private static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(1000, b -> b.dataDir(dataDir)
                .bank(new BankConfig(false, "memory", List.of(), 0.98, 0, 1000, 0, 0)), Map.of());
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static String post(String body) {
        return "POST /v1/chat/completions HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void aGetWithoutHostIsServedAndTheConnectionClosed() throws Exception {
        RawHttp.Reply r = RawHttp.exchange(cluster.gateway.port(), "GET /healthz HTTP/1.0\r\n\r\n");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("ok");
        assertThat(r.closed()).isTrue();
    }

    @Test
    void aCompletionIsServed() throws Exception {
        RawHttp.Reply r = RawHttp.exchange(cluster.gateway.port(), post(CHAT));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("choices").path(0).path("message").path("content").asText())
                .startsWith("[simulated small]");
        assertThat(r.closed()).isTrue();
    }

    @Test
    void aStreamArrivesWithoutChunkedFramingAndEndsWithTheConnection() throws Exception {
        RawHttp.Reply r = RawHttp.exchange(cluster.gateway.port(),
                post(CHAT.replace("{\"model\"", "{\"stream\":true,\"model\"")).replace("HTTP/1.0\r\n",
                        "HTTP/1.0\r\nConnection: keep-alive\r\n"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(r.header("Transfer-Encoding")).isEmpty();
        assertThat(r.body()).startsWith("data: {").endsWith("data: [DONE]\n\n");
        assertThat(r.body().lines().filter(l -> !l.isEmpty())).allSatisfy(l -> assertThat(l).startsWith("data: "));
        assertThat(r.closed()).isTrue();
    }
}
