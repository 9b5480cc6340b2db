package dev.iccache.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamedCompletionTest {
    private static ChatChunk chunk(String json) {
        return new ChatChunk((ObjectNode) Json.parse(("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                + "\"created\":5,\"model\":\"m\"," + json + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void addsUpInterleavedChoices() {
        StreamedCompletion s = new StreamedCompletion();
        s.add(chunk("\"choices\":[{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]"));
        s.add(chunk("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]"));
        s.add(chunk("\"choices\":[{\"index\":1,\"delta\":{\"content\":\"Bon\"},\"finish_reason\":null}]"));
        s.add(chunk("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"lo\"},\"finish_reason\":null}]"));
        s.add(chunk("\"choices\":[{\"index\":1,\"delta\":{\"content\":\"jour\"},\"finish_reason\":\"stop\"}]"));
        s.add(chunk("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]"));
        s.add(chunk("\"choices\":[],\"usage\":{\"prompt_tokens\":6,\"completion_tokens\":4,\"total_tokens\":10}"));
        ChatResponse r = s.response();
        assertThat(r.body().path("object").asText()).isEqualTo("chat.completion");
        assertThat(r.body().path("id").asText()).isEqualTo("c1");
        assertThat(r.content()).isEqualTo("Hello");
        assertThat(r.finishReason()).hasValue("length");
        JsonNode second = r.body().path("choices").path(1);
        assertThat(second.path("index").asInt()).isEqualTo(1);
        assertThat(second.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(second.path("message").path("content").asText()).isEqualTo("Bonjour");
        assertThat(second.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(r.usage()).hasValue(new Usage(6, 4));
    }

    @Test
    void mergesToolCallsByIndexAndAppendsLogprobs() {
        StreamedCompletion s = new StreamedCompletion();
        s.add(chunk("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"\"}}]},"
                + "\"logprobs\":{\"content\":[{\"token\":\"a\",\"logprob\":-0.1}]},\"finish_reason\":null}]"));
        s.add(chunk("\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"q\\\":\"}},"
                + "{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"other\",\"arguments\":\"{}\"}}]},"
                + "\"logprobs\":{\"content\":[{\"token\":\"b\",\"logprob\":-0.2}]},\"finish_reason\":null}]"));
        s.add(chunk("\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"type\":\"function\",\"function\":"
                + "{\"arguments\":\"1}\"}}]},\"finish_reason\":\"tool_calls\"}]"));
        JsonNode message = s.response().body().path("choices").path(0).path("message");
        assertThat(message.path("content").isNull()).isTrue();
        assertThat(message.path("tool_calls")).hasSize(2);
        JsonNode first = message.path("tool_calls").path(0);
        assertThat(first.has("index")).isFalse();
        assertThat(first.path("id").asText()).isEqualTo("call_1");
        assertThat(first.path("type").asText()).isEqualTo("function");
        assertThat(first.path("function").path("name").asText()).isEqualTo("lookup");
        assertThat(first.path("function").path("arguments").asText()).isEqualTo("{\"q\":1}");
        assertThat(message.path("tool_calls").path(1).path("function").path("name").asText()).isEqualTo("other");
        JsonNode logprobs = s.response().body().path("choices").path(0).path("logprobs").path("content");
        assertThat(logprobs).hasSize(2);
        assertThat(logprobs.path(1).path("token").asText()).isEqualTo("b");
    }

    @Test
    void aCompletionReplayedAsChunksAddsUpToItself() {
        ObjectNode completion = (ObjectNode) Json.parse("""
                {"id":"c9","object":"chat.completion","created":7,"model":"m","system_fingerprint":"fp",
                 "choices":[
                  {"index":0,"message":{"role":"assistant","content":"Paris"},"finish_reason":"stop"},
                  {"index":1,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1",
                   "type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}
                """.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<ChatChunk> chunks = StreamedCompletion.chunks(new ChatResponse(completion));
        assertThat(chunks).hasSize(5);
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.body().path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.body().path("system_fingerprint").asText()).isEqualTo("fp");
        });
        assertThat(chunks.get(0).deltaText()).isEqualTo("Paris");
        assertThat(chunks.get(1).finishReason()).hasValue("stop");
        assertThat(chunks.get(2).body().path("choices").path(0).path("delta").path("tool_calls").path(0)
                .path("index").asInt(-1)).isZero();
        assertThat(chunks.get(4).hasChoices()).isFalse();
        assertThat(chunks.get(4).usage()).hasValue(new Usage(9, 3));
        StreamedCompletion s = new StreamedCompletion();
        chunks.forEach(s::add);
        assertThat(s.response().body()).isEqualTo(completion);
    }
}
