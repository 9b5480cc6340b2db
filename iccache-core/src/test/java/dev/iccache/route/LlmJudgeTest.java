package dev.iccache.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.Json;
import dev.iccache.backend.ModelBackend;
import dev.iccache.config.BackendConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlmJudgeTest {
    private static final ChatRequest Q = ChatRequest.parse(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}"
                    .getBytes(StandardCharsets.UTF_8));

    /** A judge backend that answers from a script and records the prompts. */
    private static final class Scripted implements ModelBackend {
        final List<String> replies;
        final List<ChatRequest> prompts = new ArrayList<>();

        Scripted(String... replies) {
            this.replies = new ArrayList<>(List.of(replies));
        }

        @Override
        public BackendConfig config() {
            return BackendConfig.simulated("judge", "large", 1);
        }

        @Override
        public ChatResponse complete(ChatRequest request) {
            prompts.add(request);
            var body = Json.object();
            body.putArray("choices").addObject().putObject("message").put("role", "assistant")
                    .put("content", replies.remove(0));
            return new ChatResponse(body);
        }

        @Override
        public ChatStream stream(ChatRequest request) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void asksInBothOrdersAndAveragesAwayPositionBias() {
        Scripted backend = new Scripted("A explains scattering. [[2]]", "B is vaguer... verdict [[-1]]");
        assertThat(new LlmJudge(backend).compare(Q, "Rayleigh scattering", "because")).hasValue(1.5);
        assertThat(backend.prompts).hasSize(2);
        String first = backend.prompts.get(0).messages().get(1).path("content").asText();
        String second = backend.prompts.get(1).messages().get(1).path("content").asText();
        assertThat(first).contains("<answer_a>\nRayleigh scattering\n</answer_a>");
        assertThat(second).contains("<answer_a>\nbecause\n</answer_a>");
        assertThat(backend.prompts.get(0).messages().get(0).path("content").asText()).startsWith(LlmJudge.MARKER);
        assertThat(backend.prompts.get(0).bodyCopy().path("temperature").asInt()).isZero();
    }

    @Test
    void noVerdictWhenAReplyCannotBeParsed() {
        assertThat(new LlmJudge(new Scripted("I refuse to judge.")).compare(Q, "a", "b")).isEmpty();
        assertThat(LlmJudge.parse("first [[1]] then on reflection [[-2]]")).hasValue(-2);
        assertThat(LlmJudge.parse("[[ +3 ]]")).hasValue(3);
        assertThat(LlmJudge.parse("[[4]]")).isEmpty();
    }
}
