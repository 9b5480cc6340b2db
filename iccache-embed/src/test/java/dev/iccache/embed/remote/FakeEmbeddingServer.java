package dev.iccache.embed.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.iccache.api.Json;
import dev.iccache.embed.FakeEmbedder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An OpenAI-compatible {@code POST /v1/embeddings} server on 127.0.0.1 for tests. By default it
 * answers with {@link FakeEmbedder#rawVector} times three, in reverse order with their indexes;
 * {@link #respondWith} changes the answer.
 */
public final class FakeEmbeddingServer implements AutoCloseable {
    /** What the server does with one request. */
    @FunctionalInterface
    public interface Responder {
        void respond(HttpExchange exchange, JsonNode request) throws IOException;
    }

    /** A request as received. */
    public record Received(String authorization, JsonNode body) {
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Responder responder = FakeEmbeddingServer::canned;

    public FakeEmbeddingServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/v1/embeddings", exchange -> {
            try (exchange) {
                JsonNode body = Json.MAPPER.readTree(exchange.getRequestBody().readAllBytes());
                received.add(new Received(exchange.getRequestHeaders().getFirst("Authorization"), body));
                responder.respond(exchange, body);
            }
        });
        server.start();
    }

    /** Base URL up to and including {@code /v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public void respondWith(Responder r) {
        responder = r;
    }

    /** Back to the canned answer, with no request recorded. */
    public void reset() {
        responder = FakeEmbeddingServer::canned;
        received.clear();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The default answer: each input's raw fake vector times three, last input first. */
    public static void canned(HttpExchange exchange, JsonNode request) throws IOException {
        ObjectNode answer = Json.object();
        answer.put("object", "list");
        ArrayNode data = answer.putArray("data");
        JsonNode input = request.path("input");
        for (int i = input.size() - 1; i >= 0; i--) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            ArrayNode v = item.putArray("embedding");
            for (float x : FakeEmbedder.rawVector(input.get(i).asText())) {
                v.add(3 * x);
            }
        }
        answer.put("model", request.path("model").asText());
        send(exchange, 200, Json.bytes(answer));
    }

    public static void send(HttpExchange exchange, int status, String body) throws IOException {
        send(exchange, status, body.getBytes(StandardCharsets.UTF_8));
    }

    public static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
