package dev.iccache.server.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What translates from an Anthropic request to a chat request, and what is refused with which message. */
class AnthropicRequestsTest {
    private static final String USER = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    private static ChatRequest translate(String json) {
        return AnthropicRequests.toChat(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void refused(String json, String param, String mentions) {
        assertThatThrownBy(() -> translate(json)).isInstanceOfSatisfying(IccacheException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
            assertThat(e.param()).hasValue(param);
            assertThat(e.getMessage()).contains(mentions);
        });
    }

    @Test
    void theMinimalRequestBecomesAChatRequest() {
        ChatRequest r = translate("{\"model\":\"iccache\",\"max_tokens\":5," + USER + "}");
        assertThat(r.toString()).isEqualTo("{\"model\":\"iccache\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}");
        assertThat(r.stream()).isFalse();
    }

    @Test
    void systemBlocksSeveralTextBlocksAndUrlImagesTranslate() {
        ChatRequest r = translate("{\"model\":\"m\",\"max_tokens\":5,\"stream\":true,\"system\":[{\"type\":\"text\","
                + "\"text\":\"A\"},{\"type\":\"text\",\"text\":\"B\"}],\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"text\",\"text\":\"y\"},{\"type\":\"image\","
                + "\"source\":{\"type\":\"url\",\"url\":\"https://example.org/a.png\"}}]}],"
                + "\"tool_choice\":{\"type\":\"tool\",\"name\":\"f\"},\"tools\":[{\"name\":\"f\",\"input_schema\":"
                + "{\"type\":\"object\"}}]}");
        assertThat(r.stream()).isTrue();
        assertThat(r.messages().toString()).isEqualTo("[{\"role\":\"system\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"A\"},{\"type\":\"text\",\"text\":\"B\"}]},{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"text\",\"text\":\"x\"},{\"type\":\"text\",\"text\":\"y\"},{\"type\":\"image_url\",\"image_url\":"
                + "{\"url\":\"https://example.org/a.png\"}}]}]");
        assertThat(r.bodyCopy().path("tool_choice").toString())
                .isEqualTo("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}");
        assertThat(r.usesTools()).isTrue();
    }

    @Test
    void anErroredToolResultSaysSoInTheToolMessage() {
        ChatRequest r = translate("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"content\":"
                + "[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{}}]},{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"content\":\"no such city\",\"is_error\":true}]}]}");
        assertThat(r.messages().toString()).isEqualTo("[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{"
                + "\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"Error: no such city\"}]");
    }

    @Test
    void requiredFieldsAndRangesAreChecked() {
        refused("{\"max_tokens\":5," + USER + "}", "model", "'model' is required");
        refused("{\"model\":\"m\"," + USER + "}", "max_tokens", "'max_tokens' is required");
        refused("{\"model\":\"m\",\"max_tokens\":0," + USER + "}", "max_tokens", "positive integer");
        refused("{\"model\":\"m\",\"max_tokens\":5}", "messages", "'messages'");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}", "messages", "non-empty");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"temperature\":1.2," + USER + "}", "temperature", "between 0 and 1");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"top_k\":-1," + USER + "}", "top_k", "non-negative");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"stream\":\"yes\"," + USER + "}", "stream", "boolean");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"stop_sequences\":[\"a\",\"b\",\"c\",\"d\",\"e\"]," + USER + "}",
                "stop_sequences", "At most 4");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"s\"}]}",
                "messages[0].role", "goes in 'system'");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[]}]}",
                "messages[0].content", "non-empty array");
    }

    @Test
    void whatDoesNotTranslateIsRefusedByName() {
        refused("{\"model\":\"m\",\"max_tokens\":5,\"container\":\"c\"," + USER + "}", "container",
                "'container' is not supported");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},"
                + USER + "}", "thinking", "Extended thinking is not supported");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"metadata\":{\"tier\":\"gold\"}," + USER + "}", "metadata.tier",
                "supported: user_id");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"w\"}],"
                + USER + "}", "tools[0].type", "Server tools");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"document\"}]}]}", "messages[0].content[0].type", "'document' is not supported");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\","
                + "\"source\":{\"type\":\"file\",\"file_id\":\"f\"}}]}]}", "messages[0].content[0].source.type",
                "'file' is not supported");
        refused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"tool_result\",\"tool_use_id\":\"t\",\"content\":[{\"type\":\"image\"}]}]}]}",
                "messages[0].content[0].content[0].type", "other than text");
    }

    @Test
    void metadataUserIdBecomesTheOpenAiUserAndTopKPassesAsAnExtra() {
        ChatRequest r = translate("{\"model\":\"m\",\"max_tokens\":5,\"top_k\":7,\"metadata\":{\"user_id\":\"u1\"},"
                + "\"thinking\":{\"type\":\"disabled\"}," + USER + "}");
        assertThat(r.user()).hasValue("u1");
        assertThat(r.bodyCopy().path("top_k").asInt()).isEqualTo(7);
    }
}
