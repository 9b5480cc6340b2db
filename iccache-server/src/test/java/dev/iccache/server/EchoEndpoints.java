package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.iccache.api.Json;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A gateway for the SDK tests of the endpoints beyond chat: the bank's real embedder, a simulated
 * backend {@code sim}, and a remote backend {@code up} whose scripted server answers
 * {@code /v1/completions} and {@code /v1/responses}, whole or streamed, with {@code "echo: "} and
 * the request's {@code prompt} or {@code input}.
 */
final class EchoEndpoints implements AutoCloseable {
    final FakeUpstream upstream;
    final GatewayServer gateway;

    EchoEndpoints(Path dataDir) throws IOException {
        upstream = new FakeUpstream(EchoEndpoints::echo);
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(BankConfig.DEFAULT.withStore("memory"))
                .backends(List.of(new BackendConfig("up", upstream.baseUrl(), "org/up-model", null, BackendRole.LARGE,
                        0, 0, 0, 0, 0, 0, 0, 0, null, 0), BackendConfig.simulated("sim", "small", 1000)))
                .build(), Map.<String, String>of()::get);
    }

    String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    private static void echo(HttpExchange ex, int n) throws IOException {
        JsonNode request = Json.MAPPER.readTree(FakeUpstream.body(ex));
        boolean completions = ex.getRequestURI().getPath().endsWith("/completions");
        String said = request.path(completions ? "prompt" : "input").asText();
        if (!request.path("stream").asBoolean()) {
            FakeUpstream.json(ex, 200, completions ? FakeUpstream.textCompletion("echo: " + said, "stop")
                    : FakeUpstream.response("echo: " + said, "completed"));
        } else if (completions) {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.textCompletion("echo: ", null));
            FakeUpstream.event(out, FakeUpstream.textCompletion(said, "stop"));
            FakeUpstream.event(out, "[DONE]");
        } else {
            FakeUpstream.raw(FakeUpstream.sse(ex), FakeUpstream.responseEvents("echo: ", said));
        }
    }

    @Override
    public void close() {
        gateway.close();
        upstream.close();
    }
}
