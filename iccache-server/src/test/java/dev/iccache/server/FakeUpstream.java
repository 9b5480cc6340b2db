package dev.iccache.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.iccache.api.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted OpenAI-style upstream on loopback (every path under {@code /v1/}) that records what it
 * received; it publishes {@link #metrics} at {@code /metrics} and {@link #props} at {@code /props}
 * while they are set (404 otherwise), as a model server does.
 */
final class FakeUpstream implements AutoCloseable {
    /** What the upstream does with one call. */
    @FunctionalInterface
    interface Behaviour {
        void handle(HttpExchange exchange, int callNumber) throws Exception;
    }

    /**
     * The body of each exchange being handled. Not an exchange attribute: the JDK server keeps those
     * in the context, shared by every exchange, so concurrent calls would read each other's.
     */
    private static final Map<HttpExchange, String> BODIES = new ConcurrentHashMap<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    /** The path of each call, in the order of {@link #bodies}. */
    final List<String> paths = new CopyOnWriteArrayList<>();
    /** The Prometheus text served at {@code /metrics}; null for a 404. */
    volatile String metrics;
    /** The JSON served at {@code /props}; null for a 404. */
    volatile String props;
    final AtomicInteger metricsReads = new AtomicInteger();
    private final HttpServer server;

    FakeUpstream(Behaviour behaviour) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            paths.add(exchange.getRequestURI().getPath());
            bodies.add(body);
            BODIES.put(exchange, body);
            try {
                behaviour.handle(exchange, bodies.size());
            } catch (Exception e) {
                // a behaviour that breaks the connection on purpose ends here
            } finally {
                BODIES.remove(exchange);
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
        return BODIES.get(ex);
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

    /** A {@code text_completion} of {@code /v1/completions}, whole or as one chunk of a stream. */
    static String textCompletion(String text, String finish) {
        return "{\"id\":\"cmpl-up\",\"object\":\"text_completion\",\"created\":1,\"model\":\"upstream\",\"choices\":"
                + "[{\"text\":" + quote(text) + ",\"index\":0,\"logprobs\":null,\"finish_reason\":"
                + (finish == null ? "null" : quote(finish)) + "}],\"usage\":{\"prompt_tokens\":3,"
                + "\"completion_tokens\":2,\"total_tokens\":5}}";
    }

    /** A {@code response} object of {@code /v1/responses} whose one message says {@code text}. */
    static String response(String text, String status) {
        return "{\"id\":\"resp_up\",\"object\":\"response\",\"created_at\":1,\"status\":" + quote(status)
                + ",\"error\":null,\"incomplete_details\":null,\"instructions\":null,\"max_output_tokens\":null,"
                + "\"model\":\"upstream\",\"output\":" + (status.equals("completed")
                ? "[{\"type\":\"message\",\"id\":\"msg_up\",\"status\":\"completed\",\"role\":\"assistant\","
                        + "\"content\":[{\"type\":\"output_text\",\"text\":" + quote(text) + ",\"annotations\":[]}]}]"
                : "[]")
                + ",\"parallel_tool_calls\":true,\"previous_response_id\":null,\"temperature\":1.0,"
                + "\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":1.0,\"metadata\":{},\"usage\":{\"input_tokens\":3,"
                + "\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":2,"
                + "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":5}}";
    }

    /**
     * The events of a streamed {@code /v1/responses} answer saying {@code parts} in order, each one
     * event as sent on the wire (with its {@code event:} line, without the blank line).
     */
    static List<String> responseEvents(String... parts) {
        List<String> events = new ArrayList<>();
        int seq = 0;
        events.add("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":" + seq++
                + ",\"response\":" + response("", "in_progress") + "}");
        for (String part : parts) {
            events.add("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
                    + "\"sequence_number\":" + seq++ + ",\"item_id\":\"msg_up\",\"output_index\":0,\"content_index\":0,"
                    + "\"delta\":" + quote(part) + ",\"logprobs\":[]}");
        }
        events.add("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":" + seq
                + ",\"response\":" + response(String.join("", parts), "completed") + "}");
        return events;
    }

    /** Writes events as they are, each followed by the blank line that ends it. */
    static void raw(OutputStream out, List<String> events) throws IOException {
        for (String e : events) {
            out.write((e + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static String quote(String s) {
        return Json.MAPPER.valueToTree(s).toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
