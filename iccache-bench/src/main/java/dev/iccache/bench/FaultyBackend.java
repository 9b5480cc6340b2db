package dev.iccache.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A fake OpenAI-compatible backend on loopback that misbehaves in one {@link Fault} way, for the
 * reliability suite's backend-fault part (docs/reliability.md). Raw sockets, so it can stall or
 * close anywhere in a response.
 */
final class FaultyBackend implements AutoCloseable {
    /** How the backend misbehaves. */
    enum Fault { REFUSE, HANG_BEFORE_HEADERS, STALL_MID_STREAM, CLOSE_MID_STREAM, HUGE_BODY, STATUS_500, STATUS_429 }

    private final Fault fault;
    private final ServerSocket server;
    private final int port;

    FaultyBackend(Fault fault) throws IOException {
        this.fault = fault;
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = s.getLocalPort();
        if (fault == Fault.REFUSE) {
            s.close(); // nothing listens on the port: connections are refused
            this.server = null;
        } else {
            this.server = s;
            Thread.ofVirtual().name("faulty-" + fault).start(this::acceptLoop);
        }
    }

    int port() {
        return port;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                Thread.ofVirtual().start(() -> serve(c));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket c) {
        try (c) {
            boolean stream = readRequest(c.getInputStream()).contains("\"stream\":true");
            OutputStream out = c.getOutputStream();
            switch (fault) {
                case HANG_BEFORE_HEADERS -> Thread.sleep(600_000);
                case STALL_MID_STREAM, CLOSE_MID_STREAM -> {
                    if (stream) {
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        chunk(out, "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                                + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                                + "\"content\":\"partial\"},\"finish_reason\":null}]}\n\n");
                    } else {
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
                                + "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,")
                                .getBytes(StandardCharsets.ISO_8859_1));
                    }
                    out.flush();
                    if (fault == Fault.STALL_MID_STREAM) {
                        Thread.sleep(600_000);
                    }
                }
                case HUGE_BODY -> {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    chunk(out, "{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
                            + "\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\","
                            + "\"content\":\"");
                    String filler = "a".repeat(1 << 16);
                    for (int i = 0; i < 16 * 1024; i++) { // up to 1 GiB, until the gateway hangs up
                        chunk(out, filler);
                    }
                    chunk(out, "\"}}]}");
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                case STATUS_500, STATUS_429 -> {
                    int status = fault == Fault.STATUS_500 ? 500 : 429;
                    byte[] body = ("{\"error\":{\"message\":\"fault " + status + "\",\"type\":\"server_error\"}}")
                            .getBytes(StandardCharsets.UTF_8);
                    out.write(String.format(Locale.ROOT, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                            + "%sContent-Length: %d\r\nConnection: close\r\n\r\n", status,
                            status == 500 ? "Internal Server Error" : "Too Many Requests",
                            status == 429 ? "Retry-After: 1\r\n" : "", body.length)
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                }
                case REFUSE -> throw new IllegalStateException("unreachable");
            }
            out.flush();
        } catch (IOException | InterruptedException e) {
            // the gateway hung up, or the suite is closing us
        }
    }

    private static void chunk(OutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads the head and a Content-Length body; returns the body text. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            head.write(c);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        int length = 0;
        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }
}
