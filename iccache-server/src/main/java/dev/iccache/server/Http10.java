package dev.iccache.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * HTTP/1.0 clients in front of Helidon's HTTP/1.1-only connection (nginx's default upstream
 * protocol, ab, old health checkers): the request head is restated as HTTP/1.1 with
 * {@code Connection: close} (and a {@code Host} if it has none), and a chunked response is
 * unframed into a body that ends with the connection, which is how HTTP/1.0 delimits it.
 */
final class Http10 {
    /** Longest request head (request line and headers) read to adapt it; longer ones are left to Helidon. */
    static final int MAX_HEAD = 32 * 1024;
    private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private Http10() {
    }

    /**
     * The first bytes of a connection, adapted when they start an HTTP/1.0 request. Reads more from
     * {@code more} (null at the end of the stream) until the request line, and for HTTP/1.0 the whole
     * head, is in; returns everything read, adapted or not.
     */
    static Adapted adapt(byte[] first, Supplier<byte[]> more) {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        read.writeBytes(first);
        int lineEnd;
        while ((lineEnd = indexOf(read.toByteArray(), "\r\n".getBytes(StandardCharsets.US_ASCII))) < 0) {
            if (read.size() > MAX_HEAD || !append(read, more)) {
                return new Adapted(read.toByteArray(), false);
            }
        }
        byte[] bytes = read.toByteArray();
        String requestLine = new String(bytes, 0, lineEnd, StandardCharsets.ISO_8859_1);
        if (!requestLine.endsWith(" HTTP/1.0")) {
            return new Adapted(bytes, false);
        }
        int headEnd;
        while ((headEnd = indexOf(bytes, HEAD_END)) < 0) {
            if (bytes.length > MAX_HEAD || !append(read, more)) {
                return new Adapted(bytes, false);
            }
            bytes = read.toByteArray();
        }
        String head = new String(bytes, 0, headEnd, StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(requestHead(head).getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes, headEnd + HEAD_END.length, bytes.length - headEnd - HEAD_END.length);
        return new Adapted(out.toByteArray(), true);
    }

    /** Bytes for Helidon, and whether they start an HTTP/1.0 request (restated as HTTP/1.1). */
    record Adapted(byte[] bytes, boolean http10) {
    }

    /**
     * An HTTP/1.0 request head (without its final blank line) restated as HTTP/1.1 that closes the
     * connection: {@code Connection}, {@code Keep-Alive} and {@code Expect} are dropped.
     */
    static String requestHead(String head) {
        String[] lines = head.split("\r\n", -1);
        StringBuilder out = new StringBuilder(head.length() + 48);
        out.append(lines[0], 0, lines[0].length() - "1.0".length()).append("1.1\r\n");
        boolean host = false;
        for (int i = 1; i < lines.length; i++) {
            String name = lines[i].split(":", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (name.equals("connection") || name.equals("keep-alive") || name.equals("expect")) {
                continue;
            }
            host |= name.equals("host");
            out.append(lines[i]).append("\r\n");
        }
        if (!host) {
            out.append("Host: localhost\r\n");
        }
        return out.append("Connection: close\r\n\r\n").toString();
    }

    private static boolean append(ByteArrayOutputStream read, Supplier<byte[]> more) {
        byte[] next = more.get();
        if (next == null) {
            return false;
        }
        read.writeBytes(next);
        return true;
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * The response to an HTTP/1.0 request, written as Helidon writes it (in any pieces), passed on
     * without chunked framing: the head loses {@code Transfer-Encoding: chunked}, chunk sizes,
     * separators and trailers are dropped. A response with a length passes unchanged.
     */
    static final class Unchunker {
        private enum State { HEAD, BODY, SIZE, DATA, DATA_END, TRAILER, DONE }

        private State state = State.HEAD;
        private final Line line = new Line();
        private long remaining;

        /** What to send for the next piece of the response. */
        byte[] next(byte[] in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
            int i = 0;
            while (i < in.length) {
                switch (state) {
                    case HEAD -> {
                        line.write(in[i++]);
                        if (line.endsWith(HEAD_END.length)) {
                            head(out);
                        }
                    }
                    case BODY -> {
                        out.write(in, i, in.length - i);
                        i = in.length;
                    }
                    case SIZE -> {
                        line.write(in[i++]);
                        if (line.endsWith(2)) {
                            size();
                        }
                    }
                    case DATA -> {
                        int n = (int) Math.min(remaining, in.length - i);
                        out.write(in, i, n);
                        i += n;
                        remaining -= n;
                        if (remaining == 0) {
                            state = State.DATA_END;
                            remaining = 2;
                        }
                    }
                    case DATA_END -> {
                        i++;
                        if (--remaining == 0) {
                            state = State.SIZE;
                        }
                    }
                    case TRAILER -> {
                        line.write(in[i++]);
                        if (line.endsWith(2)) {
                            state = line.size() == 2 ? State.DONE : State.TRAILER;
                            line.reset();
                        }
                    }
                    case DONE -> i = in.length;
                }
            }
            return out.toByteArray();
        }

        private void head(ByteArrayOutputStream out) {
            String head = line.toString(StandardCharsets.ISO_8859_1);
            line.reset();
            StringBuilder kept = new StringBuilder(head.length());
            boolean chunked = false;
            for (String l : head.substring(0, head.length() - 4).split("\r\n", -1)) {
                if (transferEncoding(l).filter(v -> v.contains("chunked")).isPresent()) {
                    chunked = true;
                } else {
                    kept.append(l).append("\r\n");
                }
            }
            out.writeBytes(kept.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            state = chunked ? State.SIZE : State.BODY;
        }

        private void size() {
            String size = line.toString(StandardCharsets.ISO_8859_1).strip();
            line.reset();
            int ext = size.indexOf(';');
            remaining = Long.parseLong((ext < 0 ? size : size.substring(0, ext)).strip(), 16);
            state = remaining == 0 ? State.TRAILER : State.DATA;
        }

        private static Optional<String> transferEncoding(String headerLine) {
            String[] nameValue = headerLine.split(":", 2);
            return nameValue.length == 2 && nameValue[0].strip().equalsIgnoreCase("transfer-encoding")
                    ? Optional.of(nameValue[1].strip().toLowerCase(Locale.ROOT)) : Optional.empty();
        }

        /** Bytes of a line or head being collected. */
        private static final class Line extends ByteArrayOutputStream {
            /** Whether the bytes end with the last {@code n} bytes of CR LF CR LF. */
            boolean endsWith(int n) {
                if (count < n) {
                    return false;
                }
                for (int k = 1; k <= n; k++) {
                    if (buf[count - k] != HEAD_END[HEAD_END.length - k]) {
                        return false;
                    }
                }
                return true;
            }
        }
    }
}
