package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official OpenAI Python SDK ({@code sdk/openai_chat.py}) against the gateway's chat completions. */
class OpenAiPythonSdkTest {
    private static final String SCRIPT = "openai_chat.py";
    @TempDir
    static Path dataDir;
    private static PythonSdk sdk;
    private static TestCluster cluster;

    @BeforeAll
    static void start() {
        sdk = PythonSdk.require();
        cluster = new TestCluster(1000, 1 << 20, dataDir);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static JsonNode run(String scenario) throws Exception {
        return sdk.run(SCRIPT, scenario, cluster.base(), Map.of());
    }

    @Test
    void aCompletionThroughTheVirtualModel() throws Exception {
        JsonNode c = run("complete");
        assertThat(c.path("id").asText()).startsWith("chatcmpl-ic");
        assertThat(c.path("model").asText()).isEqualTo("sim-large");
        assertThat(c.path("choices").asInt()).isEqualTo(1);
        assertThat(c.path("text").asText()).startsWith("[simulated large]");
        assertThat(c.path("finish_reason").asText()).isIn("stop", "length");
        assertThat(c.path("completion_tokens").asInt()).isBetween(1, 16);
        assertThat(c.path("prompt_tokens").asInt()).isPositive();
        assertThat(c.path("x-iccache-model").asText()).isEqualTo("sim-large");
        assertThat(c.path("x-iccache-route").asText()).isEqualTo("routed");
    }

    @Test
    void aStreamWithUsage() throws Exception {
        JsonNode s = run("stream");
        assertThat(s.path("text").asText()).startsWith("[simulated small]");
        assertThat(s.path("models").toString()).isEqualTo("[\"sim-small\"]");
        assertThat(s.path("finish_reason").asText()).isIn("stop", "length");
        assertThat(s.path("completion_tokens").asInt()).isBetween(1, 16);
    }

    @Test
    void errorsAreTheSdksTypedErrors() throws Exception {
        JsonNode notFound = run("unknown_model");
        assertThat(notFound.path("error").asText()).isEqualTo("NotFoundError");
        assertThat(notFound.path("status").asInt()).isEqualTo(404);
        assertThat(notFound.path("message").asText()).contains("gpt-17");
        JsonNode invalid = run("invalid_temperature");
        assertThat(invalid.path("error").asText()).isEqualTo("BadRequestError");
        assertThat(invalid.path("status").asInt()).isEqualTo(400);
        assertThat(invalid.path("body").path("param").asText()).isEqualTo("temperature");
    }
}
