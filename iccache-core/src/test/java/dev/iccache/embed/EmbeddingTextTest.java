package dev.iccache.embed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.ChatRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EmbeddingTextTest {
    private static ChatRequest req(String messages) {
        return ChatRequest.parse(("{\"model\":\"m\",\"messages\":" + messages + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theCurrentUserTurnComesFirstThenSystemThenEarlierTurn() {
        String text = EmbeddingText.of(req("""
                [{"role":"system","content":"You are a pirate."},{"role":"user","content":"hi"},
                 {"role":"assistant","content":"arr"},{"role":"user","content":"  what   is\\nthe tide? "}]"""));
        assertThat(text).isEqualTo("what is the tide?\nsystem: You are a pirate.\nearlier: hi");
    }

    @Test
    void sameQuestionUnderDifferentSystemPromptsEmbedsDifferentText() {
        assertThat(EmbeddingText.of(req("[{\"role\":\"system\",\"content\":\"Answer in French.\"},"
                + "{\"role\":\"user\",\"content\":\"hello\"}]")))
                .isNotEqualTo(EmbeddingText.of(req("[{\"role\":\"user\",\"content\":\"hello\"}]")));
    }

    @Test
    void longPartsAreClippedSoTheTurnKeepsTheLead() {
        String longSystem = "x".repeat(5000);
        String text = EmbeddingText.of(req("[{\"role\":\"system\",\"content\":\"" + longSystem + "\"},"
                + "{\"role\":\"user\",\"content\":\"" + "q".repeat(1000) + "\"}]"));
        assertThat(text).startsWith("q".repeat(EmbeddingText.TURN_CHARS) + "\nsystem: ");
        assertThat(text).hasSize(EmbeddingText.TURN_CHARS + "\nsystem: ".length() + EmbeddingText.CONTEXT_CHARS);
    }
}
