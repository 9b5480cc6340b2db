package dev.iccache.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.config.ConfigException;
import dev.iccache.embed.EmbedderSettings.Kind;
import dev.iccache.testing.ConfigSections;
import org.junit.jupiter.api.Test;

class EmbedderSettingsTest {
    private static EmbedderSettings parse(String yaml) throws Exception {
        return ConfigSections.parse(yaml, EmbedderSettings.class);
    }

    private static ConfigException failure(String yaml) {
        return ConfigSections.failure(yaml, EmbedderSettings.class);
    }

    @Test
    void anEmptySectionIsTheInProcessModelWithDefaults() throws Exception {
        EmbedderSettings s = parse("{}");
        assertThat(s).isEqualTo(EmbedderSettings.DEFAULT);
        assertThat(s.kind()).isEqualTo(Kind.ONNX);
        assertThat(s.model()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(s.cacheSize()).isEqualTo(10_000);
        assertThat(s.maxBatch()).isEqualTo(32);
        assertThat(s.maxWaitMs()).isZero();
        assertThat(s.threads()).isZero();
    }

    @Test
    void theInProcessModelTakesAThreadCount() throws Exception {
        assertThat(parse("threads: 1").threads()).isEqualTo(1);
        assertThat(failure("threads: -1")).hasMessage(
                "embedder.threads must be between 0 (chosen by the machine) and 64, got -1");
        assertThat(failure("threads: 65")).hasMessageContaining("between 0 (chosen by the machine) and 64, got 65");
        assertThat(failure("kind: remote\nbase-url: http://x/v1\nmodel: m\nthreads: 2"))
                .hasMessage("embedder.threads applies only to kind onnx; remove it or set kind: onnx");
    }

    @Test
    void readsARemoteSectionFromKebabCaseKeys() throws Exception {
        EmbedderSettings s = parse("""
                kind: Remote
                base-url: http://127.0.0.1:8080/v1/
                model: text-embedding-3-small
                api-key-env: EMBED_KEY
                timeout-ms: 3000
                cache-size: 0
                max-batch: 64
                max-wait-ms: 0
                """);
        assertThat(s).isEqualTo(new EmbedderSettings(Kind.REMOTE, "http://127.0.0.1:8080/v1",
                "text-embedding-3-small", "EMBED_KEY", 3000, 0, 64, 0, 0));
    }

    @Test
    void remoteInCodeTakesTheDefaults() {
        EmbedderSettings s = EmbedderSettings.remote("https://api.example.com/v1", "m");
        assertThat(s.apiKeyEnv()).isNull();
        assertThat(s.timeoutMs()).isEqualTo(10_000);
        assertThat(s.cacheSize()).isEqualTo(10_000);
    }

    @Test
    void badValuesFailWithTheKeyInTheMessage() {
        assertThat(failure("kind: lucene")).hasMessage("embedder.kind must be 'onnx' or 'remote', got lucene");
        assertThat(failure("kind: remote\nmodel: m")).hasMessage("embedder.base-url is required when kind is remote");
        assertThat(failure("kind: remote\nbase-url: ftp://x/v1\nmodel: m"))
                .hasMessage("embedder.base-url must be an http(s) URL, got ftp://x/v1");
        assertThat(failure("kind: remote\nbase-url: http://x/v1")).hasMessage(
                "embedder.model is required when kind is remote");
        assertThat(failure("base-url: http://x/v1")).hasMessageContaining("embedder.base-url applies only to kind remote");
        assertThat(failure("api-key-env: K")).hasMessageContaining("embedder.api-key-env applies only to kind remote");
        assertThat(failure("timeout-ms: 5")).hasMessageContaining("embedder.timeout-ms applies only to kind remote");
        assertThat(failure("model: bge-small")).hasMessage(
                "embedder.model must be all-minilm-l6-v2-q (the only bundled model) when kind is onnx, got bge-small");
        assertThat(failure("cache-size: -1")).hasMessageContaining("embedder.cache-size must not be negative");
        assertThat(failure("max-batch: 0")).hasMessage("embedder.max-batch must be between 1 and 2048, got 0");
        assertThat(failure("max-batch: 5000")).hasMessage("embedder.max-batch must be between 1 and 2048, got 5000");
        assertThat(failure("max-wait-ms: -1")).hasMessage("embedder.max-wait-ms must be between 0 and 1000, got -1");
        assertThat(failure("kind: remote\nbase-url: http://x/v1\nmodel: m\ntimeout-ms: 0"))
                .hasMessage("embedder.timeout-ms must be positive, got 0");
    }

    @Test
    void unknownKeysAreRejected() {
        assertThatThrownBy(() -> parse("max-batch-size: 4")).hasMessageContaining("max-batch-size");
    }
}
