package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.embed.Embedder;
import dev.iccache.select.TokenCounter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway's embedder in OpenAI's embeddings format: inputs, limits, encodings, dimensions, usage. */
class LocalEmbeddingsTest {
    /** 30 cl100k tokens. */
    private static final String WORDS = "word ".repeat(30).strip();
    private final List<List<String>> calls = new ArrayList<>();
    /** Three dimensions: the text's length, its first character, and -1. */
    private final Embedder embedder = new Embedder() {
        @Override
        public int dimension() {
            return 3;
        }

        @Override
        public List<float[]> embedAll(List<String> texts) {
            calls.add(texts);
            return texts.stream().map(t -> new float[] {t.length(), t.isEmpty() ? 0 : t.charAt(0), -1}).toList();
        }
    };
    private final TokenCounter tokens = TokenCounter.cl100k();
    private final LocalEmbeddings local = new LocalEmbeddings("mini", embedder, tokens, 3, 20);

    private static ObjectNode request(String json) {
        return (ObjectNode) Json.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static IccacheException failure(LocalEmbeddings local, String json) {
        try {
            local.answer(request(json));
        } catch (IccacheException e) {
            return e;
        }
        throw new AssertionError("no failure for " + json);
    }

    @Test
    void answersEveryInputInOrderWithUsageInCl100kTokens() {
        ObjectNode r = local.answer(request("{\"model\":\"mini\",\"input\":[\"ab\",\"Hello, world!\"]}"));
        assertThat(calls).containsExactly(List.of("ab", "Hello, world!"));
        assertThat(r.path("object").asText()).isEqualTo("list");
        assertThat(r.path("model").asText()).isEqualTo("mini");
        JsonNode data = r.path("data");
        assertThat(data).hasSize(2);
        assertThat(data.get(1).path("object").asText()).isEqualTo("embedding");
        assertThat(data.get(1).path("index").asInt()).isEqualTo(1);
        assertThat(data.get(1).path("embedding").toString()).isEqualTo("[13.0,72.0,-1.0]");
        int expected = tokens.count("ab") + tokens.count("Hello, world!");
        assertThat(r.path("usage").path("prompt_tokens").asInt()).isEqualTo(expected).isPositive();
        assertThat(r.path("usage").path("total_tokens").asInt()).isEqualTo(expected);
        assertThat(local.answer(request("{\"model\":\"mini\",\"input\":\"solo\"}")).path("data")).hasSize(1);
    }

    @Test
    void base64IsLittleEndianFloat32AsOpenAiSendsIt() {
        ObjectNode r = local.answer(request("{\"model\":\"mini\",\"input\":\"xyz\",\"encoding_format\":\"base64\"}"));
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(r.path("data").get(0).path("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.remaining()).isEqualTo(12);
        assertThat(new float[] {bytes.getFloat(), bytes.getFloat(), bytes.getFloat()}).containsExactly(3f, 'x', -1f);
        assertThat(local.answer(request("{\"model\":\"mini\",\"input\":\"x\",\"encoding_format\":\"float\"}"))
                .path("data").get(0).path("embedding").isArray()).isTrue();
    }

    @Test
    void dimensionsAreAcceptedOnlyAsTheModelsOwn() {
        assertThat(local.answer(request("{\"model\":\"mini\",\"input\":\"x\",\"dimensions\":3}")).path("data"))
                .hasSize(1);
        IccacheException shorter = failure(local, "{\"model\":\"mini\",\"input\":\"x\",\"dimensions\":2}");
        assertThat(shorter.param()).contains("dimensions");
        assertThat(shorter.getMessage()).contains("mini makes vectors of 3 dimensions", "cannot shorten");
        assertThat(failure(local, "{\"model\":\"mini\",\"input\":\"x\",\"dimensions\":0}").getMessage())
                .contains("positive integer");
        assertThat(failure(local, "{\"model\":\"mini\",\"input\":\"x\",\"dimensions\":\"3\"}").param())
                .contains("dimensions");
    }

    @Test
    void badInputsAre400sNamingTheParameterAndNothingIsEmbedded() {
        assertThat(failure(local, "{\"model\":\"mini\"}").getMessage()).contains("Missing required parameter: 'input'");
        assertThat(failure(local, "{\"model\":\"mini\",\"input\":[]}").getMessage()).contains("empty array");
        assertThat(failure(local, "{\"model\":\"mini\",\"input\":{\"a\":1}}").getMessage())
                .contains("a string or an array of strings");
        assertThat(failure(local, "{\"model\":\"mini\",\"input\":[\"a\",null]}").getMessage())
                .contains("a string or an array of strings");
        assertThat(failure(local, "{\"model\":\"mini\",\"input\":[1,2,3]}").getMessage())
                .contains("mini takes text, not token arrays", "embeddings.backends");
        assertThat(failure(local, "{\"model\":\"mini\",\"input\":[[1,2],[3]]}").getMessage())
                .contains("not token arrays");
        assertThat(failure(local, "{\"model\":\"mini\",\"input\":\"x\",\"encoding_format\":\"int8\"}").param())
                .contains("encoding_format");
        IccacheException many = failure(local, "{\"model\":\"mini\",\"input\":[\"a\",\"b\",\"c\",\"d\"]}");
        assertThat(many.getMessage()).contains("4 items", "at most 3", "embeddings.max-inputs");
        IccacheException longInput = failure(local, "{\"model\":\"mini\",\"input\":[\"ok\",\"" + WORDS
                + "\"]}");
        assertThat(longInput.param()).contains("input");
        assertThat(longInput.getMessage()).contains("input[1] has 30 tokens", "at most 20",
                "embeddings.max-input-tokens");
        assertThat(failure(local, "{\"model\":\"mini\",\"input\":\"" + WORDS + "\"}").getMessage())
                .startsWith("The input has 30 tokens");
        assertThat(calls).isEmpty();
    }

    @Test
    void theLimitsAreTheConfiguredOnes() {
        LocalEmbeddings roomy = new LocalEmbeddings("mini", embedder, tokens, 5, 100);
        assertThat(roomy.answer(request("{\"model\":\"mini\",\"input\":[\"a\",\"b\",\"c\",\"d\",\"" + WORDS
                + "\"]}")).path("data")).hasSize(5);
        assertThatThrownBy(() -> roomy.answer(request(
                "{\"model\":\"mini\",\"input\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}")))
                .hasMessageContaining("at most 5");
    }
}
