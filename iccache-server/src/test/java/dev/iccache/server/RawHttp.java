package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * HTTP exchanges over a raw loopback socket, for inputs no HTTP client would send. Every read is
 * bounded: a server that neither answers nor closes within {@link #PATIENCE_MS} shows as
 * {@code closed == false}.
 */
final class RawHttp {
    static final int PATIENCE_MS = 10_000;

    private RawHttp() {
    }

    /** What came back: the raw response head and body, and whether the server closed the connection. */
    record Reply(String head, String body, boolean closed) {
        int status() {
            String[] parts = head.split(" ", 3);
            return parts.length > 1 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
        }

        Optional<String> header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(l -> l.substring(prefix.length()).strip()).findFirst();
        }

        JsonNode json() throws IOException {
            return Json.MAPPER.readTree(body);
        }

        @Override
        public String toString() {
            return head + "\r\n\r\n" + body + (closed ? "\n[closed]" : "\n[still open after " + PATIENCE_MS + " ms]");
        }
    }

    /** Sends {@code request} at once and reads until the server closes (or patience runs out). */
    static Reply exchange(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(PATIENCE_MS);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return read(s.getInputStream());
        }
    }

    /**
     * Sends {@code start} at once, then {@code trickle} one byte every {@code gapMs} from another thread
     * while reading, the way a slow or hostile client does; the trickle stops once an answer arrives.
     */
    static Reply trickle(int port, String start, String trickle, long gapMs) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(PATIENCE_MS);
            OutputStream out = s.getOutputStream();
            out.write(start.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            AtomicBoolean answered = new AtomicBoolean();
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    for (byte b : trickle.getBytes(StandardCharsets.ISO_8859_1)) {
                        Thread.sleep(gapMs);
                        if (answered.get()) {
                            return;
                        }
                        out.write(b);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection: what the tests expect
                }
            });
            try {
                return read(s.getInputStream(), answered);
            } finally {
                answered.set(true);
                sender.interrupt();
            }
        }
    }

    private static Reply read(InputStream in) throws IOException {
        return read(in, new AtomicBoolean());
    }

    private static Reply read(InputStream in, AtomicBoolean answered) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        boolean closed;
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                answered.set(true);
                got.write(buf, 0, n);
            }
            closed = true;
        } catch (SocketTimeoutException e) {
            closed = false;
        } catch (SocketException e) {
            closed = true; // reset: closed as well
        }
        String all = got.toString(StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        return end < 0 ? new Reply(all, "", closed) : new Reply(all.substring(0, end), all.substring(end + 4), closed);
    }
}
