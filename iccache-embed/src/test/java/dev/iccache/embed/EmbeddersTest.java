package dev.iccache.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.bank.Vectors;
import dev.iccache.config.ConfigException;
import dev.iccache.embed.remote.FakeEmbeddingServer;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddersTest {
    @Test
    void theDefaultIsTheCachedInProcessModel() {
        try (Embedder e = Embedders.create(EmbedderSettings.DEFAULT)) {
            assertThat(e).isInstanceOf(CachingEmbedder.class);
            assertThat(e.dimension()).isEqualTo(384);
            float[] v = e.embed("How do I reset my password?");
            assertThat(e.embed("  How do I reset   my password? ")).containsExactly(v);
            assertThat(((CachingEmbedder) e).hitCount()).isEqualTo(1);
        }
    }

    @Test
    void theInProcessModelOnOneThreadGivesTheSameVectors() {
        EmbedderSettings oneThread = new EmbedderSettings(EmbedderSettings.Kind.ONNX, null, null, null, 10_000, 0, 32,
                0, 1);
        try (Embedder one = Embedders.create(oneThread); Embedder auto = Embedders.create(EmbedderSettings.DEFAULT)) {
            float[] a = one.embed("How do I reset my password?");
            float[] b = auto.embed("How do I reset my password?");
            assertThat(Vectors.dot(a, b)).isGreaterThan(0.9999);
        }
    }

    @Test
    void aRemoteEmbedderWithoutCacheIsMicroBatched() throws Exception {
        try (FakeEmbeddingServer server = new FakeEmbeddingServer()) {
            EmbedderSettings s = new EmbedderSettings(EmbedderSettings.Kind.REMOTE, server.baseUrl(), "m", "KEY",
                    5_000, 0, 2, 0, 0);
            try (Embedder e = Embedders.create(s, name -> name.equals("KEY") ? "k" : null)) {
                assertThat(e).isInstanceOf(MicroBatchingEmbedder.class);
                List<float[]> v = e.embedAll(List.of("a", "b", "c"));
                assertThat(v.get(2)).containsExactly(FakeEmbedder.unitVector("c"));
                assertThat(server.received()).hasSize(2);
                assertThat(server.received().get(0).authorization()).isEqualTo("Bearer k");
            }
        }
    }

    @Test
    void aMissingApiKeyFailsAtCreation() {
        EmbedderSettings s = new EmbedderSettings(EmbedderSettings.Kind.REMOTE, "http://127.0.0.1:9/v1", "m", "KEY",
                5_000, 10, 2, 0, 0);
        assertThatThrownBy(() -> Embedders.create(s, name -> null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("KEY");
    }
}
