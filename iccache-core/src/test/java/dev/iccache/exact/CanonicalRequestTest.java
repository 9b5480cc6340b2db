package dev.iccache.exact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.ChatRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CanonicalRequestTest {
    private static final String BASE = """
            {"model":"m","temperature":0,"max_tokens":16,
             "messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello"}]}""";

    private static ChatRequest parse(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void isSortedCompactJson() {
        assertThat(CanonicalRequest.json(parse(BASE))).isEqualTo("{\"max_tokens\":16,\"messages\":[{\"content\":"
                + "\"be brief\",\"role\":\"system\"},{\"content\":\"hello\",\"role\":\"user\"}],\"model\":\"m\","
                + "\"temperature\":0}");
        assertThat(CanonicalRequest.digest(parse(BASE))).hasSize(64).matches("[0-9a-f]+");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "other key order          | {\"messages\":[{\"content\":\"be brief\",\"role\":\"system\"},{\"content\":\"hello\",\"role\":\"user\"}],\"max_tokens\":16,\"temperature\":0,\"model\":\"m\"}",
        "whitespace               | {\"model\" : \"m\",  \"temperature\": 0, \"max_tokens\" :16, \"messages\": [ {\"role\":\"system\",\"content\":\"be brief\"}, {\"role\":\"user\",\"content\":\"hello\"} ] }",
        "0.0 for 0                | {\"model\":\"m\",\"temperature\":0.0,\"max_tokens\":16,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
        "0e0 for 0                | {\"model\":\"m\",\"temperature\":0e0,\"max_tokens\":16,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
        "null members             | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"seed\":null,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\",\"name\":null},{\"role\":\"user\",\"content\":\"hello\"}]}",
        "stream and its options   | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
        "the user                 | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"user\":\"u-42\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
        "n of 1                   | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"n\":1,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
    })
    void equalRequestsHaveOneKey(String name, String json) {
        assertThat(CanonicalRequest.json(parse(json))).isEqualTo(CanonicalRequest.json(parse(BASE)));
        assertThat(CanonicalRequest.digest(parse(json))).isEqualTo(CanonicalRequest.digest(parse(BASE)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "another model            | {\"model\":\"m2\",\"temperature\":0,\"max_tokens\":16,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
        "another message          | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"Hello\"}]}",
        "trailing space           | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello \"}]}",
        "messages in other order  | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"},{\"role\":\"system\",\"content\":\"be brief\"}]}",
        "another max_tokens       | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":17,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
        "a seed                   | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"seed\":1,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
        "two choices              | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"n\":2,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
        "tools                    | {\"model\":\"m\",\"temperature\":0,\"max_tokens\":16,\"tools\":[],\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}]}",
    })
    void differentRequestsHaveDifferentKeys(String name, String json) {
        assertThat(CanonicalRequest.digest(parse(json))).isNotEqualTo(CanonicalRequest.digest(parse(BASE)));
    }

    @Test
    void numbersAreWrittenInOneForm() {
        String a = "{\"model\":\"m\",\"top_k\":40,\"x\":[1.50,2e-3,-0.0],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        String b = "{\"model\":\"m\",\"top_k\":4e1,\"x\":[1.5,0.002,0],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertThat(CanonicalRequest.json(parse(a))).isEqualTo(CanonicalRequest.json(parse(b)))
                .contains("\"top_k\":40", "[1.5,0.002,0]");
    }
}
