package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official OpenAI Java SDK as the client of the gateway. */
class OpenAiSdkCompatibilityTest {
    @TempDir
    static Path dataDir;
    private static TestCluster cluster;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(1000, 1 << 20, dataDir);
        client = OpenAIOkHttpClient.builder().baseUrl(cluster.base() + "/v1").apiKey("not-needed").maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        cluster.close();
    }

    private static ChatCompletionCreateParams.Builder params(String model) {
        return ChatCompletionCreateParams.builder().model(model).addSystemMessage("You are terse.")
                .addUserMessage("What is a cache?").maxCompletionTokens(16L).temperature(0.2);
    }

    @Test
    void nonStreaming() {
        ChatCompletion c = client.chat().completions().create(params("iccache").build());
        assertThat(c.id()).startsWith("chatcmpl-");
        assertThat(c.model()).isEqualTo("sim-large");
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).isNotBlank());
        assertThat(c.choices().get(0).finishReason().asString()).isIn("stop", "length");
        assertThat(c.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isBetween(1L, 16L));
    }

    @Test
    void streamingWithUsage() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params("sim-small")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        chunks.stream().filter(c -> !c.choices().isEmpty())
                .forEach(c -> c.choices().get(0).delta().content().ifPresent(text::append));
        assertThat(text.toString()).startsWith("[simulated small]");
        assertThat(chunks).allSatisfy(c -> assertThat(c.model()).isEqualTo("sim-small"));
        assertThat(chunks.get(chunks.size() - 1).usage()).isPresent();
    }

    @Test
    void severalChoices() {
        ChatCompletion c = client.chat().completions().create(params("sim-small").n(2L).seed(7L).build());
        assertThat(c.choices()).hasSize(2);
        assertThat(c.choices().get(0).index()).isZero();
        assertThat(c.choices().get(1).index()).isEqualTo(1);
        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t)
                .startsWith("[simulated small]").isNotEqualTo(c.choices().get(1).message().content().orElseThrow()));
        assertThat(c.usage()).hasValueSatisfying(u -> {
            assertThat(u.completionTokens()).isBetween(2L, 32L);
            assertThat(u.totalTokens()).isEqualTo(u.promptTokens() + u.completionTokens());
        });
    }

    @Test
    void severalChoicesStreamed() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params("sim-large")
                .n(2L).seed(7L).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build())) {
            s.stream().forEach(chunks::add);
        }
        Map<Long, StringBuilder> texts = new TreeMap<>();
        chunks.forEach(c -> c.choices().forEach(choice -> choice.delta().content().ifPresent(
                t -> texts.computeIfAbsent(choice.index(), i -> new StringBuilder()).append(t))));
        assertThat(texts.keySet()).containsExactly(0L, 1L);
        assertThat(texts.values()).allSatisfy(t -> assertThat(t.toString()).startsWith("[simulated large]"));
        assertThat(chunks.get(chunks.size() - 1).usage()).hasValueSatisfying(
                u -> assertThat(u.completionTokens()).isBetween(2L, 32L));
    }

    @Test
    void listsModels() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertThat(ids).contains("iccache", "sim-small", "sim-large");
    }

    @Test
    void unknownModelIsATypedNotFound() {
        assertThatThrownBy(() -> client.chat().completions().create(params("gpt-17").build()))
                .isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.getMessage()).contains("gpt-17"));
    }
}
