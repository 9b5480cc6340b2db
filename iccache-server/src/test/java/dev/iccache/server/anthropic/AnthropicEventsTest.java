package dev.iccache.server.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.ChatChunk;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The translation of chat completion chunks into Anthropic stream events. */
class AnthropicEventsTest {
    private static ChatChunk chunk(String json) throws Exception {
        return new ChatChunk((com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(json));
    }

    private static List<String> names(List<AnthropicEvents.Event> events) {
        return events.stream().map(AnthropicEvents.Event::name).toList();
    }

    @Test
    void aStreamWithoutContentStillStartsAndStopsTheMessage() {
        AnthropicEvents events = new AnthropicEvents("msg_1", "m");
        List<AnthropicEvents.Event> end = events.end();
        assertThat(names(end)).containsExactly("message_start", "ping", "message_delta", "message_stop");
        assertThat(end.get(0).data().path("message").toString()).isEqualTo("{\"id\":\"msg_1\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}");
        assertThat(end.get(2).data().path("delta").path("stop_reason").asText()).isEqualTo("end_turn");
    }

    @Test
    void theStopSequenceAVllmStyleBackendNamesIsReported() throws Exception {
        AnthropicEvents events = new AnthropicEvents("msg_1", "m");
        List<AnthropicEvents.Event> all = new ArrayList<>(events.next(chunk(
                "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}")));
        all.addAll(events.next(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}")));
        all.addAll(events.next(chunk("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\","
                + "\"stop_reason\":\"###\"}]}")));
        all.addAll(events.next(chunk("{\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2}}")));
        all.addAll(events.end());
        assertThat(names(all)).containsExactly("message_start", "ping", "content_block_start", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop");
        assertThat(all.get(5).data().toString()).isEqualTo("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                + "\"stop_sequence\",\"stop_sequence\":\"###\"},\"usage\":{\"input_tokens\":4,\"output_tokens\":2}}");
    }

    @Test
    void interleavedToolCallArgumentsAreABackendError() throws Exception {
        AnthropicEvents events = new AnthropicEvents("msg_1", "m");
        events.next(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"a\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{\"}}]}}]}"));
        events.next(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"b\","
                + "\"function\":{\"name\":\"g\",\"arguments\":\"{\"}}]}}]}"));
        assertThatThrownBy(() -> events.next(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"function\":{\"arguments\":\"}\"}}]}}]}")))
                .isInstanceOfSatisfying(IccacheException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.BACKEND_UNAVAILABLE));
    }

    @Test
    void everyKindOfFailureHasAnAnthropicErrorType() {
        List<String> documented = List.of("invalid_request_error", "authentication_error", "permission_error",
                "not_found_error", "request_too_large", "rate_limit_error", "api_error", "timeout_error",
                "overloaded_error");
        for (ErrorKind kind : ErrorKind.values()) {
            AnthropicEvents.Event e = AnthropicEvents.error(IccacheException.of(kind, "why"));
            assertThat(e.name()).isEqualTo("error");
            assertThat(e.data().path("type").asText()).isEqualTo("error");
            assertThat(e.data().path("error").path("type").asText()).as(kind.name()).isIn(documented);
            assertThat(e.data().path("error").path("message").asText()).isEqualTo("why");
        }
        assertThat(AnthropicErrors.type(ErrorKind.OVERLOADED)).isEqualTo("overloaded_error");
        assertThat(AnthropicErrors.type(ErrorKind.NOT_FOUND)).isEqualTo("not_found_error");
    }
}
