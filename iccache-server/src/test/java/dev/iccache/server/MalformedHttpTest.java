package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.config.BankConfig;
import dev.iccache.config.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed HTTP over raw loopback sockets: every bad input gets a 4xx with an OpenAI-style JSON
 * error and a closed connection within a bounded time, slow senders are timed out, and each bad
 * request logs at most one line, without a stack trace (issue 15, finding 4).
 */
class MalformedHttpTest {
    private static final String CHAT = "{\"model\":\"sim-small\",\"max_tokens\":4,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    @TempDir
    static Path dataDir;
    private static TestCluster cluster;
    /** Held, so that its level (INFO, for the lines about bad requests) stays set. */
    private static final Logger ICCACHE_LOG = Logger.getLogger("dev.iccache");
    private static final List<LogRecord> LOGS = new CopyOnWriteArrayList<>();
    private static final Set<String> REQUEST_UNRELATED = Set.of(ExampleBank.class.getName(),
            GatewayServer.class.getName(), Backends.class.getName());
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            // What the HTTP front and the handlers say about a request; background work (the bank's
            // maintenance, learning) and Helidon's own records are not about one bad request.
            if (r.getLevel().intValue() >= Level.INFO.intValue() && r.getLoggerName() != null
                    && r.getLoggerName().startsWith("dev.iccache.server.")
                    && !REQUEST_UNRELATED.contains(r.getLoggerName())) {
                LOGS.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() {
        cluster = new TestCluster(1000, b -> b.server(shortTimeouts()).dataDir(dataDir)
                .bank(BankConfig.DEFAULT.withStore("memory")), Map.of("ICCACHE_ADMIN_KEY", "admin-secret"));
        // After the servers started: the first one re-reads the logging configuration, which drops handlers.
        Logger.getLogger("").addHandler(CAPTURE);
        ICCACHE_LOG.setLevel(Level.INFO);
    }

    @AfterAll
    static void stop() {
        ICCACHE_LOG.setLevel(null);
        Logger.getLogger("").removeHandler(CAPTURE);
        cluster.close();
    }

    @BeforeEach
    void clearLogs() {
        LOGS.clear();
    }

    @AfterEach
    void atMostOneLineWithoutStackTrace() {
        assertThat(LOGS).as("log records of one bad request").allSatisfy(r -> assertThat(r.getThrown())
                .as(r.getMessage()).isNull());
        assertThat(LOGS).as("log records of one bad request: %s", LOGS.stream().map(r -> r.getLoggerName() + ": "
                + r.getMessage()).toList()).hasSizeLessThanOrEqualTo(1);
    }

    private static String chunked(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer admin-secret\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
    }

    static Stream<Arguments> malformedChunkedBodies() {
        List<String> bodies = List.of(
                "zz\r\n{}\r\n0\r\n\r\n",                 // not hex
                "ffffffffffffffff\r\n{}\r\n0\r\n\r\n",   // beyond any size
                "-1\r\n{}\r\n0\r\n\r\n",                 // negative
                "5\r\n{}\r\n0\r\n\r\n");                 // wrong length: the size line lands in the data
        return Stream.of("/v1/chat/completions", "/v1/feedback", "/admin/explain")
                .flatMap(path -> bodies.stream().map(body -> Arguments.of(path, body)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("malformedChunkedBodies")
    void aMalformedChunkedBodyGets400AndAClosedConnection(String path, String body) throws Exception {
        RawHttp.Reply r = RawHttp.exchange(cluster.gateway.port(), chunked(path, body));
        assertThat(r.closed()).as(r.toString()).isTrue();
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.header("Connection")).hasValue("close");
        assertThat(r.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(r.json().path("error").path("message").asText()).contains("chunk");
        assertThat(LOGS).singleElement().satisfies(l -> assertThat(l.getMessage()).contains(path, "400"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Transfer-Encoding: chunked\r\n\r\n100001\r\n{}", "Content-Length: 1048577\r\n\r\n{}"})
    void aBodyBeyondTheLimitGets413AndAClosedConnection(String framing) throws Exception {
        RawHttp.Reply r = RawHttp.exchange(cluster.gateway.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\n" + framing);
        assertThat(r.closed()).as(r.toString()).isTrue();
        assertThat(r.status()).as(r.toString()).isEqualTo(413);
        assertThat(r.json().path("error").path("message").asText()).contains("server.max-body-bytes");
    }

    @Test
    void aBodyTheHandlerDoesNotReadStillClosesTheConnection() throws Exception {
        RawHttp.Reply r = RawHttp.exchange(cluster.gateway.port(), chunked("/v1/models", "zz\r\n{}\r\n0\r\n\r\n"));
        assertThat(r.closed()).as(r.toString()).isTrue();
        assertThat(r.status()).isEqualTo(405);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GARBAGE\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n",
            "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: BIG\r\n\r\n",
            "GET /BIG HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET\t/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            "G@T /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            "G\u00e9T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"})
    void requestsHelidonRejectsGetAJsonErrorAndAClosedConnection(String request) throws Exception {
        RawHttp.Reply r = RawHttp.exchange(cluster.gateway.port(), request.replace("BIG", "a".repeat(20_000)));
        assertThat(r.closed()).as(r.toString()).isTrue();
        assertThat(r.status()).as(r.toString()).isBetween(400, 499);
        assertThat(r.header("Content-Type")).as(r.toString()).hasValueSatisfying(t -> assertThat(t)
                .startsWith("application/json"));
        assertThat(r.json().path("error").path("message").asText()).isNotBlank();
        assertThat(LOGS).singleElement().satisfies(l -> assertThat(l.getMessage()).contains("rejected"));
    }

    @Test
    void chunkExtensionsAndTrailersAreAccepted() throws Exception {
        String a = CHAT.substring(0, 20);
        String b = CHAT.substring(20);
        RawHttp.Reply r = RawHttp.exchange(cluster.gateway.port(), chunked("/v1/chat/completions",
                Integer.toHexString(a.length()) + ";ext=1\r\n" + a + "\r\n"
                        + Integer.toHexString(b.length()) + " ; name=\"quoted value\"\r\n" + b + "\r\n"
                        + "0\r\nX-Checksum: 1\r\n\r\n").replace("Host:", "Connection: close\r\nHost:"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("choices").path(0).path("message").path("content").asText()).isNotEmpty();
    }

    @Test
    void keepAliveStillCarriesSeveralRequests() throws Exception {
        String post = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + CHAT.length() + "\r\n";
        RawHttp.Reply r = RawHttp.exchange(cluster.gateway.port(), post + "\r\n" + CHAT
                + post + "Connection: close\r\n\r\n" + CHAT);
        assertThat(r.closed()).isTrue();
        assertThat((r.head() + r.body()).split("HTTP/1.1 200 OK", -1)).as(r.toString()).hasSize(3);
    }

    @Test
    void expectContinueStillWorks() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", cluster.gateway.port())) {
            s.setSoTimeout(RawHttp.PATIENCE_MS);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                    + "\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: " + CHAT.length() + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            byte[] interim = new byte["HTTP/1.1 100 Continue\r\n\r\n".length()];
            assertThat(s.getInputStream().readNBytes(interim, 0, interim.length)).isEqualTo(interim.length);
            assertThat(new String(interim, java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 100");
            s.getOutputStream().write(CHAT.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            String rest = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(rest).startsWith("HTTP/1.1 200 OK");
        }
    }

    /** Timeouts short enough for slow senders to hit them, long enough for loopback requests never to. */
    static ServerConfig shortTimeouts() {
        return new ServerConfig("127.0.0.1", 0, 1 << 20).withTimeouts(2000, 2000);
    }

    /** Cases of slow senders: what is sent at once, then what trickles in one byte every 300 ms. */
    static Stream<Arguments> slowSenders() {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + CHAT.length() + "\r\n\r\n";
        return Stream.of(
                Arguments.of("request line stalls", "PO", ""),
                Arguments.of("headers stall", head.substring(0, 40), ""),
                Arguments.of("headers trickle", head.substring(0, 40), head.substring(40) + CHAT),
                Arguments.of("body stalls", head + CHAT.substring(0, 10), ""),
                Arguments.of("body trickles", head, CHAT),
                Arguments.of("chunk longer than sent", chunked("/v1/chat/completions", "40\r\n{}"), ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("slowSenders")
    void slowSendersGet408AndAClosedConnection(String what, String start, String trickle) throws Exception {
        RawHttp.Reply r = RawHttp.trickle(cluster.gateway.port(), start, trickle, 300);
        assertThat(r.closed()).as(r.toString()).isTrue();
        assertThat(r.status()).as(r.toString()).isEqualTo(408);
        assertThat(r.header("Connection")).hasValue("close");
        assertThat(r.json().path("error").path("message").asText()).contains("timeout-ms");
        assertThat(LOGS).singleElement().satisfies(l -> assertThat(l.getMessage()).contains("timeout-ms"));
    }
}
