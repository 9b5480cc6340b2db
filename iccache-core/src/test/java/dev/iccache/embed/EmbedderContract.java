package dev.iccache.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The behaviour every {@link Embedder} shares; each implementation's test extends this class and
 * supplies an embedder, made once per test class because some are slow to load.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class EmbedderContract {
    protected static final List<String> TEXTS = List.of(
            "How do I reset my password?",
            "What is the capital of France?",
            "Write a haiku about caches.",
            "",
            "The quick brown fox jumps over the lazy dog.");

    protected Embedder embedder;

    /** A fresh embedder; closed after the class's last test. */
    protected abstract Embedder createEmbedder() throws Exception;

    @BeforeAll
    void setUpEmbedder() throws Exception {
        embedder = createEmbedder();
    }

    @AfterAll
    void closeEmbedder() {
        embedder.close();
    }

    /**
     * Least cosine between a text's vector in a batch and its vector alone; below 1 only where the
     * model lets batch mates change a vector (int8 activation quantisation).
     */
    protected double batchAgreement() {
        return 0.9999;
    }

    /** Cosine similarity of two vectors of equal length. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Euclidean length. */
    public static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void everyVectorHasTheDimensionAndUnitLength() {
        assertThat(embedder.dimension()).isPositive();
        for (float[] v : embedder.embedAll(TEXTS)) {
            assertThat(v).hasSize(embedder.dimension());
            assertThat(norm(v)).isCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    void embedAllAnswersInOrderAndAgreesWithEmbed() {
        List<float[]> all = embedder.embedAll(TEXTS);
        assertThat(all).hasSize(TEXTS.size());
        for (int i = 0; i < TEXTS.size(); i++) {
            assertThat(cosine(all.get(i), embedder.embed(TEXTS.get(i)))).as(TEXTS.get(i))
                    .isGreaterThan(batchAgreement());
        }
    }

    @Test
    void anEmptyListGivesAnEmptyList() {
        assertThat(embedder.embedAll(List.of())).isEmpty();
    }

    @Test
    void theSameTextGivesTheSameVectorAndDifferentTextsDiffer() {
        float[] a = embedder.embed("What is the capital of France?");
        assertThat(cosine(a, embedder.embed("What is the capital of France?"))).isGreaterThan(0.9999);
        assertThat(cosine(a, embedder.embed("Write a haiku about caches."))).isLessThan(0.99);
    }

    @Test
    void concurrentCallersGetWhatALoneCallerGets() throws Exception {
        List<float[]> expected = embedder.embedAll(TEXTS);
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<List<float[]>>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                futures.add(pool.submit(() -> embedder.embedAll(TEXTS)));
            }
            for (Future<List<float[]>> f : futures) {
                List<float[]> got = f.get();
                for (int i = 0; i < TEXTS.size(); i++) {
                    assertThat(cosine(got.get(i), expected.get(i))).isGreaterThan(batchAgreement());
                }
            }
        }
    }
}
