package dev.iccache.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.Usage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ModelBackend} implementation shares; each implementation's test
 * extends this class and supplies a backend.
 */
public abstract class ModelBackendContract {
    protected ModelBackend backend;

    /** A fresh backend whose answers are not empty for ordinary prompts. */
    protected abstract ModelBackend createBackend() throws Exception;

    @BeforeEach
    void setUpBackend() throws Exception {
        backend = createBackend();
    }

    @AfterEach
    void closeBackend() {
        backend.close();
    }

    protected static ChatRequest request(String model, String extra) {
        return ChatRequest.parse(("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Say something about caches.\"}]" + extra + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void completeReturnsAnAssistantMessageWithUsageAndFinishReason() {
        ChatResponse r = backend.complete(request("whatever-the-client-said", ",\"max_tokens\":12"));
        assertThat(r.content()).isNotBlank();
        assertThat(r.finishReason()).isPresent();
        assertThat(r.body().path("object").asText()).isEqualTo("chat.completion");
        assertThat(r.body().path("choices").path(0).path("message").path("role").asText()).isEqualTo("assistant");
        Usage usage = r.usage().orElseThrow();
        assertThat(usage.promptTokens()).isPositive();
        assertThat(usage.completionTokens()).isBetween(1, 12);
    }

    @Test
    void streamDeliversDeltasThenAFinishReasonThenUsage() {
        List<ChatChunk> chunks = new ArrayList<>();
        try (ChatStream s = backend.stream(request("m", ",\"max_tokens\":10"))) {
            Optional<ChatChunk> c;
            while ((c = s.next()).isPresent()) {
                chunks.add(c.get());
            }
            assertThat(s.next()).isEmpty();
        }
        String text = chunks.stream().map(ChatChunk::deltaText).reduce("", String::concat);
        assertThat(text).isNotBlank();
        assertThat(chunks).anySatisfy(c -> assertThat(c.finishReason()).isPresent());
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.usage()).isPresent();
        assertThat(last.usage().get().completionTokens()).isBetween(1, 10);
        assertThat(chunks).allSatisfy(c -> assertThat(c.body().path("object").asText())
                .isEqualTo("chat.completion.chunk"));
    }

    @Test
    void closingAStreamEarlyIsSafeAndTheBackendKeepsServing() {
        ChatStream s = backend.stream(request("m", ",\"max_tokens\":50"));
        assertThat(s.next()).isPresent();
        s.close();
        s.close();
        assertThat(backend.complete(request("m", ",\"max_tokens\":3")).content()).isNotBlank();
    }
}
