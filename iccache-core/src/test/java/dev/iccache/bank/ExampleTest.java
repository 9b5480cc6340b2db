package dev.iccache.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.ChatRequest;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ExampleTest {
    private static final String MESSAGES = "[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"What is 2+2?\"}]";

    private static Example example() {
        return new Example("e1", "t", MESSAGES, "What is 2+2?", new float[] {1, 0}, "4", "large",
                OptionalDouble.empty(), 10, 1, Instant.EPOCH, Optional.empty(), ExampleStats.fresh(Instant.EPOCH));
    }

    @Test
    void messagesAreTheStoredArrayAndEachCallGetsItsOwnCopy() {
        Example e = example();
        assertThat(e.messages()).hasSize(2);
        assertThat(e.messages().get(1).path("content").asText()).isEqualTo("What is 2+2?");
        e.messages().removeAll();
        assertThat(e.messages()).hasSize(2);
    }

    @Test
    void theRequestAsksTheGivenModelWithTheStoredMessages() {
        ChatRequest r = example().request("large-model");
        assertThat(r.model()).isEqualTo("large-model");
        assertThat(r.messages()).isEqualTo(example().messages());
        assertThat(r.lastUserText()).contains("What is 2+2?");
    }
}
