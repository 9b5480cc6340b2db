package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The byte-level HTTP/1.0 adaptation: the request head restated, the chunked response unframed. */
class Http10Test {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static Http10.Adapted adapt(String... pieces) {
        Deque<byte[]> more = new ArrayDeque<>();
        for (int i = 1; i < pieces.length; i++) {
            more.add(bytes(pieces[i]));
        }
        return Http10.adapt(bytes(pieces[0]), more::poll);
    }

    @Test
    void anHttp10HeadIsRestatedAsHttp11ThatClosesTheConnection() {
        assertThat(Http10.requestHead("POST /v1/chat/completions HTTP/1.0\r\nConnection: Keep-Alive\r\nKeep-Alive: 5"
                + "\r\nExpect: 100-continue\r\nContent-Length: 2")).isEqualTo("POST /v1/chat/completions HTTP/1.1\r\n"
                + "Content-Length: 2\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(Http10.requestHead("GET / HTTP/1.0\r\nhost: example.org")).isEqualTo(
                "GET / HTTP/1.1\r\nhost: example.org\r\nConnection: close\r\n\r\n");
    }

    @Test
    void theFirstRequestIsReadUntilItsHeadIsComplete() {
        Http10.Adapted a = adapt("GE", "T /healthz HTTP/1.0\r\n", "Host: h\r\n", "\r\n{body");
        assertThat(a.http10()).isTrue();
        assertThat(text(a.bytes())).isEqualTo("GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n{body");
    }

    @Test
    void otherRequestsPassUnchanged() {
        Http10.Adapted http11 = adapt("GET / HT", "TP/1.1\r\nHost: h\r\n");
        assertThat(http11.http10()).isFalse();
        assertThat(text(http11.bytes())).isEqualTo("GET / HTTP/1.1\r\nHost: h\r\n");
        Http10.Adapted cut = adapt("GET / HTTP/1.0\r\nHost:");
        assertThat(cut.http10()).isFalse();
        assertThat(text(cut.bytes())).isEqualTo("GET / HTTP/1.0\r\nHost:");
        assertThat(text(adapt("GARBAGE").bytes())).isEqualTo("GARBAGE");
    }

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
            + "Content-Type: text/event-stream\r\nConnection: close\r\n\r\n"
            + "5\r\nhello\r\n6;name=value\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";
    private static final String UNCHUNKED = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Connection: close\r\n\r\nhello world";

    private static String unchunk(List<String> pieces) {
        Http10.Unchunker u = new Http10.Unchunker();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pieces.forEach(p -> out.writeBytes(u.next(bytes(p))));
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aChunkedResponseIsUnframedHoweverItIsWritten() {
        assertThat(unchunk(List.of(CHUNKED))).isEqualTo(UNCHUNKED);
        for (int i = 0; i <= CHUNKED.length(); i++) {
            assertThat(unchunk(List.of(CHUNKED.substring(0, i), CHUNKED.substring(i)))).as("split at " + i)
                    .isEqualTo(UNCHUNKED);
        }
        assertThat(unchunk(CHUNKED.chars().mapToObj(c -> String.valueOf((char) c)).toList())).isEqualTo(UNCHUNKED);
    }

    @Test
    void aResponseWithALengthPassesUnchanged() {
        String plain = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
        assertThat(unchunk(List.of(plain.substring(0, 10), plain.substring(10)))).isEqualTo(plain);
    }
}
