package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.backend.ChoiceFanOut;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.IccacheConfig;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A simulated model server over HTTP: the OpenAI chat API of a {@link SimulatedBackend} ({@code n}
 * choices by fan-out, up to OpenAI's limit), plus {@code /metrics} with vLLM's running/waiting
 * gauges, so it can stand in for a real server.
 */
public final class SimBackendServer implements AutoCloseable {
    private static final long MAX_BODY = 16L << 20;
    /** Bodies held at once by the simulated server: 16 of the largest. */
    private final BodyBudget bodies = new BodyBudget(16 * MAX_BODY);

    private final SimulatedBackend backend;
    private final ExecutorService choiceCalls = Executors.newVirtualThreadPerTaskExecutor();
    private final ChoiceFanOut choices = new ChoiceFanOut(IccacheConfig.MAX_N_LIMIT, choiceCalls);
    private final WebServer server;

    public SimBackendServer(SimulatedBackend backend, String host, int port) {
        this.backend = backend;
        this.server = WebServer.builder()
                .host(host)
                .port(port)
                // SSE writes are small; without TCP_NODELAY each one can wait ~40 ms on a delayed ACK.
                .connectionOptions(o -> o.tcpNoDelay(true))
                .routing(r -> {
                    r.post("/v1/chat/completions", this::chat);
                    r.get("/v1/models", (req, res) -> OpenAiHttp.sendJson(res, 200, models()));
                    r.get("/health", (req, res) -> res.send());
                    r.get("/metrics", (req, res) -> {
                        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                        res.send(vllmMetrics());
                    });
                    GatewayServer.fallbacks(r, "/v1/chat/completions", "/v1/models", "/health", "/metrics");
                })
                .build();
    }

    public SimBackendServer start() {
        server.start();
        return this;
    }

    public int port() {
        return server.port();
    }

    public SimulatedBackend backend() {
        return backend;
    }

    private void chat(ServerRequest req, ServerResponse res) {
        try (BodyBudget.Reservation body = bodies.open()) {
            ChatRequest request = ChatRequest.parse(OpenAiHttp.readBody(req, MAX_BODY, body));
            if (!request.model().equals(backend.config().model())) {
                throw new IccacheException(ErrorKind.NOT_FOUND, "The model '" + request.model()
                        + "' does not exist; this simulated server serves '" + backend.config().model() + "'.",
                        "model", "model_not_found", null);
            }
            int n = choices.choices(request);
            if (!request.stream()) {
                OpenAiHttp.sendJson(res, 200, choices.complete(backend, request.singleChoice(), n).body());
                return;
            }
            try (ChatStream stream = choices.stream(backend, request.singleChoice(), n)) {
                OutputStream out = OpenAiHttp.startEventStream(res);
                Optional<ChatChunk> chunk;
                while ((chunk = stream.next()).isPresent()) {
                    boolean wanted = request.includeUsage() || chunk.get().hasChoices();
                    if (wanted && !OpenAiHttp.tryWriteEvent(out, chunk.get().body())) {
                        return; // the client went away; closing the stream frees the batch slot
                    }
                }
                OpenAiHttp.tryFinish(out);
            }
        } catch (IccacheException e) {
            if (!res.isSent()) {
                OpenAiHttp.sendError(res, e);
            }
        } catch (UncheckedIOException e) {
            OpenAiHttp.sendError(res, IccacheException.invalid(null, "Could not read the request body."));
        }
    }

    private ObjectNode models() {
        ObjectNode body = OpenAiHttp.modelList();
        OpenAiHttp.addModel(body, backend.config().model(), "iccache-simulated")
                .put("max_model_len", backend.profile().contextWindow());
        return body;
    }

    private String vllmMetrics() {
        String label = "{model_name=\"" + backend.config().model() + "\"}";
        return "# HELP vllm:num_requests_running Number of requests in the batch (simulated).\n"
                + "# TYPE vllm:num_requests_running gauge\n"
                + "vllm:num_requests_running" + label + " " + backend.running() + "\n"
                + "# HELP vllm:num_requests_waiting Number of requests waiting (simulated).\n"
                + "# TYPE vllm:num_requests_waiting gauge\n"
                + "vllm:num_requests_waiting" + label + " " + backend.waiting() + "\n";
    }

    @Override
    public void close() {
        server.stop();
        choiceCalls.shutdownNow();
    }
}
