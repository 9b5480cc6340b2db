package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Java SDK calling the endpoints besides chat through the gateway
 * ({@link EchoEndpoints}): embeddings (the bank's real embedder), and completions and responses,
 * streamed and not, forwarded to a scripted upstream that echoes what it was sent.
 */
class OpenAiSdkEndpointsTest {
    @TempDir
    static Path dataDir;
    private static EchoEndpoints gateway;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        gateway = new EchoEndpoints(dataDir);
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.base() + "/v1").apiKey("not-needed").maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        gateway.close();
    }

    @Test
    void embeddingsInFloatAndBase64AreTheSameVectors() {
        EmbeddingCreateParams.Builder params = EmbeddingCreateParams.builder().model("all-minilm-l6-v2-q")
                .inputOfArrayOfStrings(List.of("What is a cache?", "Where is Paris?"));
        CreateEmbeddingResponse floats = client.embeddings().create(params
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
        CreateEmbeddingResponse base64 = client.embeddings().create(params
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());
        assertThat(floats.model()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(floats.data()).hasSize(2);
        assertThat(floats.data().get(1).index()).isEqualTo(1);
        assertThat(floats.data().get(0).embedding()).hasSize(384);
        assertThat(base64.data().get(0).embeddingValue().isBase64()).isTrue();
        for (int i = 0; i < 2; i++) {
            assertThat(base64.data().get(i).embedding()).as("the same text, from the embedder's cache")
                    .isEqualTo(floats.data().get(i).embedding());
        }
        assertThat(floats.usage().promptTokens()).isPositive().isEqualTo(floats.usage().totalTokens());
    }

    @Test
    void completionsWholeAndStreamed() {
        CompletionCreateParams params = CompletionCreateParams.builder().model("up").prompt("a cache").maxTokens(8L)
                .build();
        Completion whole = client.completions().create(params);
        assertThat(whole.choices()).hasSize(1);
        assertThat(whole.choices().get(0).text()).isEqualTo("echo: a cache");
        StringBuilder text = new StringBuilder();
        try (StreamResponse<Completion> s = client.completions().createStreaming(params)) {
            s.stream().forEach(c -> c.choices().forEach(choice -> text.append(choice.text())));
        }
        assertThat(text.toString()).isEqualTo("echo: a cache");
    }

    @Test
    void responsesWholeAndStreamed() {
        ResponseCreateParams params = ResponseCreateParams.builder().model("up").input("Paris").build();
        Response whole = client.responses().create(params);
        assertThat(whole.id()).isEqualTo("resp_up");
        assertThat(whole.output().get(0).message().orElseThrow().content().get(0).outputText().orElseThrow().text())
                .isEqualTo("echo: Paris");
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(params)) {
            s.stream().forEach(events::add);
        }
        StringBuilder text = new StringBuilder();
        events.forEach(e -> e.outputTextDelta().ifPresent(d -> text.append(d.delta())));
        assertThat(text.toString()).isEqualTo("echo: Paris");
        assertThat(events.get(0).created()).isPresent();
        assertThat(events.get(events.size() - 1).completed()).hasValueSatisfying(c -> assertThat(c.response().output()
                .get(0).message().orElseThrow().content().get(0).outputText().orElseThrow().text())
                .isEqualTo("echo: Paris"));
    }

    @Test
    void errorsAreTypedExceptionsWithTheGatewaysMessage() {
        assertThatThrownBy(() -> client.completions().create(CompletionCreateParams.builder().model("iccache")
                .prompt("x").build())).isInstanceOfSatisfying(BadRequestException.class,
                        e -> assertThat(e.getMessage()).contains("routing does not apply to /v1/completions",
                                "up, sim"));
        assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("gpt-17").input("x")
                .build())).isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.getMessage()).contains("'gpt-17'"));
        assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder().model("all-minilm-l6-v2-q")
                .inputOfArrayOfTokens(List.of(1L, 2L)).build())).isInstanceOfSatisfying(BadRequestException.class,
                        e -> assertThat(e.getMessage()).contains("not token arrays"));
        assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder().model("all-minilm-l6-v2-q")
                .input("x").dimensions(256L).build())).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> client.responses().createStreaming(ResponseCreateParams.builder().model("sim")
                .input("x").build()).stream().count()).isInstanceOfSatisfying(BadRequestException.class,
                        e -> assertThat(e.getMessage()).contains("simulated"));
    }
}
