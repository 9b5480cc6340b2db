package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code POST /v1/embeddings} endpoint: the gateway's own embedder ({@code embedder:}) served
 * under a model name, and embedding models of other servers that requests naming them are
 * forwarded to. Checked when built; see docs/configuration.md.
 *
 * @param serveEmbedder  whether clients may use the gateway's embedder
 * @param embedderName   the model name clients use for it; null takes {@code embedder.model} (the
 *                       {@link IccacheConfig} fills it in)
 * @param maxInputs      inputs one request may carry at most
 * @param maxInputTokens tokens (cl100k_base) one input to the gateway's embedder may have at most
 * @param backends       remote embedding models: name, base URLs, model, api-key-env, concurrency,
 *                       timeouts, retries, breakers and response limits as for chat backends; no fallbacks
 */
public record EmbeddingsConfig(boolean serveEmbedder, String embedderName, int maxInputs, int maxInputTokens,
        List<BackendConfig> backends) {
    /** Default of {@code max-inputs}: OpenAI's limit. */
    public static final int DEFAULT_MAX_INPUTS = 2048;
    /** Default of {@code max-input-tokens}: OpenAI's limit for its embedding models. */
    public static final int DEFAULT_MAX_INPUT_TOKENS = 8192;
    /** The gateway's embedder under the embedder's model name, no remote embedding models. */
    public static final EmbeddingsConfig DEFAULT = new EmbeddingsConfig(true, null, DEFAULT_MAX_INPUTS,
            DEFAULT_MAX_INPUT_TOKENS, List.of());

    public EmbeddingsConfig {
        if (embedderName != null && embedderName.isBlank()) {
            throw new ConfigException("embeddings.embedder-name must not be blank");
        }
        if (maxInputs < 1) {
            throw new ConfigException("embeddings.max-inputs must be positive, got " + maxInputs);
        }
        if (maxInputTokens < 1) {
            throw new ConfigException("embeddings.max-input-tokens must be positive, got " + maxInputTokens);
        }
        backends = backends == null ? List.of() : List.copyOf(backends);
        Set<String> names = new HashSet<>();
        for (BackendConfig b : backends) {
            if (b.simulatedProfile().isPresent()) {
                throw new ConfigException("embeddings.backends: '" + b.name() + "' must be remote (base-url): "
                        + "simulated backends do not embed");
            }
            if (!b.fallbacks().isEmpty()) {
                throw new ConfigException("embeddings.backends: '" + b.name() + "' has fallbacks; they apply to "
                        + "chat backends only");
            }
            if (!names.add(b.name())) {
                throw new ConfigException("embeddings.backends: duplicate name '" + b.name() + "'");
            }
        }
    }

    /** These settings with the embedder's model name, when none was given. */
    EmbeddingsConfig withDefaultEmbedderName(String name) {
        return embedderName != null ? this
                : new EmbeddingsConfig(serveEmbedder, name, maxInputs, maxInputTokens, backends);
    }

    /** Names clients may send to {@code /v1/embeddings}: the embedder's (when served), then the backends'. */
    public List<String> modelNames() {
        List<String> names = new ArrayList<>();
        if (serveEmbedder && embedderName != null) {
            names.add(embedderName);
        }
        backends.forEach(b -> names.add(b.name()));
        return names;
    }

    @JsonCreator
    static EmbeddingsConfig fromYaml(@JsonProperty("serve-embedder") Boolean serveEmbedder,
            @JsonProperty("embedder-name") String embedderName, @JsonProperty("max-inputs") Integer maxInputs,
            @JsonProperty("max-input-tokens") Integer maxInputTokens,
            @JsonProperty("backends") List<BackendConfig> backends) {
        return new EmbeddingsConfig(serveEmbedder == null || serveEmbedder, embedderName,
                maxInputs == null ? DEFAULT_MAX_INPUTS : maxInputs,
                maxInputTokens == null ? DEFAULT_MAX_INPUT_TOKENS : maxInputTokens, backends);
    }
}
