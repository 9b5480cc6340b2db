package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Python SDK ({@code sdk/openai_endpoints.py}) against the gateway's embeddings,
 * completions and responses ({@link EchoEndpoints}).
 */
class OpenAiPythonSdkEndpointsTest {
    private static final String SCRIPT = "openai_endpoints.py";
    @TempDir
    static Path dataDir;
    private static PythonSdk sdk;
    private static EchoEndpoints gateway;

    @BeforeAll
    static void start() throws Exception {
        sdk = PythonSdk.require();
        gateway = new EchoEndpoints(dataDir);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static JsonNode run(String scenario) throws Exception {
        return sdk.run(SCRIPT, scenario, gateway.base(), Map.of());
    }

    @Test
    void embeddingsDecodedFromBase64AreTheFloats() throws Exception {
        JsonNode e = run("embeddings");
        assertThat(e.path("model").asText()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(e.path("count").asInt()).isEqualTo(2);
        assertThat(e.path("dimensions").asInt()).isEqualTo(384);
        assertThat(e.path("indexes").toString()).isEqualTo("[0,1]");
        assertThat(e.path("max_difference").asDouble()).as("the SDK's default base64, decoded, is the floats")
                .isLessThan(1e-7);
        assertThat(e.path("prompt_tokens").asInt()).isPositive().isEqualTo(e.path("total_tokens").asInt());
    }

    @Test
    void completionsWholeAndStreamed() throws Exception {
        JsonNode c = run("completions");
        assertThat(c.path("whole").asText()).isEqualTo("echo: a cache");
        assertThat(c.path("streamed").asText()).isEqualTo("echo: a cache");
    }

    @Test
    void responsesWholeAndStreamed() throws Exception {
        JsonNode r = run("responses");
        assertThat(r.path("id").asText()).isEqualTo("resp_up");
        assertThat(r.path("whole").asText()).isEqualTo("echo: Paris");
        assertThat(r.path("streamed").asText()).isEqualTo("echo: Paris");
        assertThat(r.path("final").asText()).isEqualTo("echo: Paris");
        assertThat(r.path("first").asText()).isEqualTo("response.created");
        assertThat(r.path("last").asText()).isEqualTo("response.completed");
    }

    @Test
    void errorsAreTheSdksTypedErrors() throws Exception {
        JsonNode e = run("errors");
        assertThat(e.path("virtual").path("error").asText()).isEqualTo("BadRequestError");
        assertThat(e.path("virtual").path("body").path("code").asText()).isEqualTo("unsupported_model");
        assertThat(e.path("virtual").path("message").asText()).contains("routing does not apply to /v1/completions");
        assertThat(e.path("unknown").path("error").asText()).isEqualTo("NotFoundError");
        assertThat(e.path("unknown").path("status").asInt()).isEqualTo(404);
        assertThat(e.path("tokens").path("error").asText()).isEqualTo("BadRequestError");
        assertThat(e.path("tokens").path("body").path("param").asText()).isEqualTo("input");
    }
}
