package dev.iccache.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ChatRequestTest {
    private static ChatRequest parse(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheFieldsItNeedsAndKeepsTheRest() {
        ChatRequest r = parse("""
                {"model":"iccache","messages":[{"role":"system","content":"be brief"},
                 {"role":"user","content":[{"type":"text","text":"hello"},{"type":"text","text":"there"}]}],
                 "stream":true,"stream_options":{"include_usage":true},"max_tokens":7,"seed":3,
                 "stop":["\\n\\n","END"],"tools":[{"type":"function","function":{"name":"f"}}],
                 "tool_choice":"auto","response_format":{"type":"json_object"},"temperature":0.2,"x_custom":1}
                """);
        assertThat(r.model()).isEqualTo("iccache");
        assertThat(r.stream()).isTrue();
        assertThat(r.includeUsage()).isTrue();
        assertThat(r.maxTokens()).hasValue(7);
        assertThat(r.seed()).hasValue(3);
        assertThat(r.stop()).containsExactly("\n\n", "END");
        assertThat(r.lastUserText()).hasValue("hello\nthere");
        assertThat(r.bodyCopy().get("tool_choice").asText()).isEqualTo("auto");
        assertThat(r.bodyCopy().get("x_custom").asInt()).isEqualTo(1);
    }

    @Test
    void maxCompletionTokensWinsOverMaxTokens() {
        ChatRequest r = parse("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":9,"max_completion_tokens":4}
                """);
        assertThat(r.maxTokens()).hasValue(4);
    }

    @Test
    void severalChoicesAndTheSingleChoiceRequest() {
        ChatRequest three = parse("""
                {"model":"m","n":3,"seed":5,"temperature":0,"messages":[{"role":"user","content":"x"}]}""");
        assertThat(three.n()).isEqualTo(3);
        assertThat(three.temperature()).hasValue(0);
        ChatRequest one = three.singleChoice();
        assertThat(one.n()).isEqualTo(1);
        assertThat(one.bodyCopy().has("n")).isFalse();
        assertThat(one.seed()).hasValue(5);
        assertThat(three.n()).isEqualTo(3);
        ChatRequest explicitOne = parse("""
                {"model":"m","n":1,"messages":[{"role":"user","content":"x"}]}""");
        assertThat(explicitOne.singleChoice()).isSameAs(explicitOne);
        assertThat(explicitOne.temperature()).isEmpty();
    }

    @Test
    void assistantMessageWithToolCallsMayHaveNullContent() {
        ChatRequest r = parse("""
                {"model":"m","messages":[{"role":"user","content":"x"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function",
                  "function":{"name":"f","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"1","content":"42"}]}
                """);
        assertThat(r.messages()).hasSize(3);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "malformed JSON           | {\"model\":                                                    | ",
        "not an object            | [1,2]                                                          | ",
        "trailing garbage         | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} x | ",
        "missing model            | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}          | model",
        "model not a string       | {\"model\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | model",
        "missing messages         | {\"model\":\"m\"}                                              | messages",
        "messages not an array    | {\"model\":\"m\",\"messages\":\"hi\"}                          | messages",
        "empty messages           | {\"model\":\"m\",\"messages\":[]}                              | messages",
        "message not an object    | {\"model\":\"m\",\"messages\":[\"hi\"]}                        | messages[0]",
        "unknown role             | {\"model\":\"m\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]} | messages[0].role",
        "missing content          | {\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}           | messages[0].content",
        "content a number         | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":1}]} | messages[0].content",
        "stream not boolean       | {\"model\":\"m\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | stream",
        "temperature too high     | {\"model\":\"m\",\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | temperature",
        "max_tokens zero          | {\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | max_tokens",
        "max_tokens fractional    | {\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | max_tokens",
        "n zero                   | {\"model\":\"m\",\"n\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | n",
        "n beyond 31 bits         | {\"model\":\"m\",\"n\":9223372036854775808,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | n",
        "stop of numbers          | {\"model\":\"m\",\"stop\":[1],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | stop",
        "tools not an array       | {\"model\":\"m\",\"tools\":{},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | tools",
    })
    void rejectsBadRequestsNamingTheParameter(String name, String json, String param) {
        assertThatThrownBy(() -> parse(json.strip()))
                .isInstanceOfSatisfying(IccacheException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                    assertThat(e.param().orElse(null)).isEqualTo(param);
                    assertThat(e.getMessage()).isNotBlank();
                });
    }
}
