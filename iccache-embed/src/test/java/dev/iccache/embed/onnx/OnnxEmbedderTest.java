package dev.iccache.embed.onnx;

import static dev.iccache.embed.EmbedderContract.cosine;
import static dev.iccache.embed.EmbedderContract.norm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iccache.api.IccacheException;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderContract;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnnxEmbedderTest extends EmbedderContract {
    private static final String LONG_PREFIX =
            "The cache keeps answers of a large model so a small model can learn from them. ".repeat(20);
    /** Texts of very different lengths, so that most are padded in a batch. */
    private static final List<String> MIXED = List.of("hi", "What is the capital of France?", LONG_PREFIX, "",
            "A somewhat longer question about how in-context caching selects examples for a small model?");

    @Override
    protected Embedder createEmbedder() {
        return new OnnxEmbedder(2);
    }

    /** Measured: about 0.99, down to 0.967 for the empty text (docs/embedding.md). */
    @Override
    protected double batchAgreement() {
        return 0.95;
    }

    @Test
    void vectorsHave384Dimensions() {
        assertThat(embedder.dimension()).isEqualTo(384);
        assertThat(embedder.embed("hello")).hasSize(384);
    }

    @Test
    void batchingWithTheFloat32ModelGivesExactlyTheVectorsOfOneTextAtATime() {
        try (OnnxEmbedder fp32 = new OnnxEmbedder("all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json", 2)) {
            List<float[]> batch = fp32.embedAll(MIXED);
            for (int i = 0; i < MIXED.size(); i++) {
                assertThat(cosine(batch.get(i), fp32.embed(MIXED.get(i)))).as(MIXED.get(i)).isGreaterThan(0.99999);
            }
        }
    }

    @Test
    void batchingWithTheInt8ModelMovesVectorsOnlySlightly() {
        List<float[]> batch = embedder.embedAll(MIXED);
        for (int i = 0; i < MIXED.size(); i++) {
            assertThat(cosine(batch.get(i), embedder.embed(MIXED.get(i)))).as(MIXED.get(i))
                    .isGreaterThan(batchAgreement());
        }
        float[] alone = embedder.embed("What is the capital of France?");
        List<float[]> copies = embedder.embedAll(List.of("What is the capital of France?",
                "What is the capital of France?"));
        assertThat(cosine(copies.get(1), alone)).isGreaterThan(0.99999);
    }

    @Test
    void paraphrasesAreCloserThanUnrelatedSentences() {
        List<float[]> v = embedder.embedAll(List.of("How do I reset my password?",
                "I forgot my password, how can I change it?", "What will the weather be in Paris tomorrow?"));
        double paraphrase = cosine(v.get(0), v.get(1));
        double unrelated = cosine(v.get(0), v.get(2));
        assertThat(paraphrase).isGreaterThan(0.6).isGreaterThan(unrelated + 0.3);
    }

    @Test
    void matchesLangchain4jsOwnModel() {
        AllMiniLmL6V2QuantizedEmbeddingModel reference = new AllMiniLmL6V2QuantizedEmbeddingModel();
        List<String> texts = List.of("How do I reset my password?", "Write a haiku about caches.",
                "Ünïcödé, punctuation!? and   spaces", LONG_PREFIX + "tail");
        for (String text : texts) {
            float[] theirs = reference.embed(text).content().vector();
            assertThat(cosine(embedder.embed(text), theirs)).as(text).isGreaterThan(0.999);
        }
    }

    @Test
    void textsBeyond128WordPiecesAreCutWithoutError() {
        float[] a = embedder.embed(LONG_PREFIX + "Apples and pears.");
        float[] b = embedder.embed(LONG_PREFIX + "Quantum chromodynamics and the strong force.");
        assertThat(norm(a)).isCloseTo(1.0, within(1e-4));
        assertThat(cosine(a, b)).isGreaterThan(0.99999);
        assertThat(cosine(embedder.embed("Apples and pears."),
                embedder.embed("Quantum chromodynamics and the strong force."))).isLessThan(0.9);
    }

    @Test
    void theEmptyStringHasAUnitVector() {
        assertThat(norm(embedder.embed(""))).isCloseTo(1.0, within(1e-4));
    }

    @Test
    void aClosedEmbedderFailsClearly() {
        OnnxEmbedder closed = new OnnxEmbedder(1);
        closed.close();
        closed.close();
        assertThatThrownBy(() -> closed.embed("x")).isInstanceOf(IccacheException.class).hasMessageContaining("closed");
    }
}
