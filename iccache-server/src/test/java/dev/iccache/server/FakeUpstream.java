package dev.iccache.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted OpenAI-style upstream on loopback that records what it received; it publishes
 * {@link #metrics} at {@code /metrics} and {@link #props} at {@code /props} while they are set
 * (404 otherwise), as a model server does.
 */
final class FakeUpstream implements AutoCloseable {
    /** What the upstream does with one call. */
    @FunctionalInterface
    interface Behaviour {
        void handle(HttpExchange exchange, int callNumber) throws Exception;
    }

    private static final String BODY = "request-body";
    final List<String> bodies = new CopyOnWriteArrayList<>();
    /** The Prometheus text served at {@code /metrics}; null for a 404. */
    volatile String metrics;
    /** The JSON served at {@code /props}; null for a 404. */
    volatile String props;
    final AtomicInteger metricsReads = new AtomicInteger();
    private final HttpServer server;

    FakeUpstream(Behaviour behaviour) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.add(body);
            exchange.setAttribute(BODY, body);
            try {
                behaviour.handle(exchange, bodies.size());
            } catch (Exception e) {
                // a behaviour that breaks the connection on purpose ends here
            } finally {
                exchange.close();
            }
        });
        server.createContext("/metrics", exchange -> {
            metricsReads.incrementAndGet();
            page(exchange, metrics, "text/plain; version=0.0.4");
        });
        server.createContext("/props", exchange -> page(exchange, props, "application/json"));
        server.start();
    }

    private static void page(HttpExchange exchange, String body, String type) throws IOException {
        try (exchange) {
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** The body of the request {@code ex} answers (bodies in {@link #bodies} come in arrival order). */
    static String body(HttpExchange ex) {
        return (String) ex.getAttribute(BODY);
    }

    static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    static OutputStream sse(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        return ex.getResponseBody();
    }

    static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static String completion(String text) {
        return "{\"id\":\"up-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"upstream\",\"choices\":"
                + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,"
                + "\"total_tokens\":4}}";
    }

    static String chunk(String text, String finish) {
        return "{\"id\":\"up-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"upstream\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
