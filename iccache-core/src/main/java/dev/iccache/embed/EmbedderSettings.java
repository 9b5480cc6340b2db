package dev.iccache.embed;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iccache.config.ConfigException;
import java.net.URI;
import java.util.Locale;

/**
 * How texts become vectors: the in-process model or a remote OpenAI-compatible
 * {@code /embeddings} server, behind a cache and a micro-batcher. Every value is checked when the
 * record is built; YAML keys and defaults are in docs/embedding.md.
 *
 * @param kind      {@link Kind#ONNX} (all-MiniLM-L6-v2 int8 in process) or {@link Kind#REMOTE}
 * @param baseUrl   remote only: base URL up to and including {@code /v1}, without a trailing slash;
 *                  null for onnx
 * @param model     model id; always {@value #ONNX_MODEL} for onnx, required for remote
 * @param apiKeyEnv remote only: environment variable holding the API key; null for none
 * @param timeoutMs remote only: longest whole HTTP call
 * @param cacheSize vectors the LRU cache keeps; 0 turns the cache off
 * @param maxBatch  texts in one call to the model at most
 * @param maxWaitMs longest wait for more texts before a batch runs; 0 runs what is already queued
 * @param threads   onnx only: ONNX Runtime threads for one batch; 0 lets the machine's cores decide
 */
public record EmbedderSettings(Kind kind, String baseUrl, String model, String apiKeyEnv, long timeoutMs,
        int cacheSize, int maxBatch, long maxWaitMs, int threads) {

    /** The one model the onnx kind runs. */
    public static final String ONNX_MODEL = "all-minilm-l6-v2-q";

    /** Largest {@code max-batch}; also the most inputs OpenAI accepts in one embeddings request. */
    public static final int MAX_BATCH_LIMIT = 2048;

    /** The in-process model with the default cache and batching. */
    public static final EmbedderSettings DEFAULT = new EmbedderSettings(Kind.ONNX, null, ONNX_MODEL, null,
            10_000, 10_000, 32, 0, 0);

    /** Most ONNX Runtime threads for one batch. */
    private static final int MAX_THREADS = 64;

    /** Where vectors come from. */
    public enum Kind {
        /** all-MiniLM-L6-v2 int8 over ONNX Runtime, in process. */
        ONNX,
        /** An OpenAI-compatible {@code POST /embeddings} server. */
        REMOTE
    }

    public EmbedderSettings {
        kind = kind == null ? Kind.ONNX : kind;
        if (kind == Kind.ONNX) {
            if (baseUrl != null) {
                throw new ConfigException("embedder.base-url applies only to kind remote; remove it or set kind: remote");
            }
            if (apiKeyEnv != null) {
                throw new ConfigException("embedder.api-key-env applies only to kind remote; remove it or set kind: remote");
            }
            model = model == null ? ONNX_MODEL : model;
            if (!model.equals(ONNX_MODEL)) {
                throw new ConfigException("embedder.model must be " + ONNX_MODEL
                        + " (the only bundled model) when kind is onnx, got " + model);
            }
        } else {
            baseUrl = checkBaseUrl(baseUrl);
            if (model == null || model.isBlank()) {
                throw new ConfigException("embedder.model is required when kind is remote");
            }
            if (apiKeyEnv != null && apiKeyEnv.isBlank()) {
                throw new ConfigException("embedder.api-key-env must name an environment variable, got a blank value");
            }
            if (threads != 0) {
                throw new ConfigException("embedder.threads applies only to kind onnx; remove it or set kind: onnx");
            }
        }
        if (threads < 0 || threads > MAX_THREADS) {
            throw new ConfigException("embedder.threads must be between 0 (chosen by the machine) and " + MAX_THREADS
                    + ", got " + threads);
        }
        if (timeoutMs <= 0) {
            throw new ConfigException("embedder.timeout-ms must be positive, got " + timeoutMs);
        }
        if (cacheSize < 0) {
            throw new ConfigException("embedder.cache-size must not be negative (0 turns the cache off), got "
                    + cacheSize);
        }
        if (maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
            throw new ConfigException("embedder.max-batch must be between 1 and " + MAX_BATCH_LIMIT + ", got "
                    + maxBatch);
        }
        if (maxWaitMs < 0 || maxWaitMs > 1000) {
            throw new ConfigException("embedder.max-wait-ms must be between 0 and 1000, got " + maxWaitMs);
        }
    }

    /** A remote embedder without an API key, with the default cache, batching and timeout. */
    public static EmbedderSettings remote(String baseUrl, String model) {
        return new EmbedderSettings(Kind.REMOTE, baseUrl, model, null, DEFAULT.timeoutMs, DEFAULT.cacheSize,
                DEFAULT.maxBatch, DEFAULT.maxWaitMs, 0);
    }

    /** Jackson entry point: absent values arrive as null and take the defaults of {@link #DEFAULT}. */
    @JsonCreator
    static EmbedderSettings fromYaml(@JsonProperty("kind") String kind, @JsonProperty("base-url") String baseUrl,
            @JsonProperty("model") String model, @JsonProperty("api-key-env") String apiKeyEnv,
            @JsonProperty("timeout-ms") Long timeoutMs, @JsonProperty("cache-size") Integer cacheSize,
            @JsonProperty("max-batch") Integer maxBatch, @JsonProperty("max-wait-ms") Long maxWaitMs,
            @JsonProperty("threads") Integer threads) {
        Kind parsedKind = null;
        if (kind != null) {
            try {
                parsedKind = Kind.valueOf(kind.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("embedder.kind must be 'onnx' or 'remote', got " + kind);
            }
        }
        if (parsedKind != Kind.REMOTE && timeoutMs != null) {
            throw new ConfigException("embedder.timeout-ms applies only to kind remote; remove it or set kind: remote");
        }
        return new EmbedderSettings(parsedKind, baseUrl, model, apiKeyEnv,
                timeoutMs == null ? DEFAULT.timeoutMs : timeoutMs,
                cacheSize == null ? DEFAULT.cacheSize : cacheSize,
                maxBatch == null ? DEFAULT.maxBatch : maxBatch,
                maxWaitMs == null ? DEFAULT.maxWaitMs : maxWaitMs,
                threads == null ? DEFAULT.threads : threads);
    }

    private static String checkBaseUrl(String baseUrl) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new ConfigException("embedder.base-url is required when kind is remote");
        }
        URI uri;
        try {
            uri = URI.create(baseUrl);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("embedder.base-url is not a URL: " + baseUrl);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new ConfigException("embedder.base-url must be an http(s) URL, got " + baseUrl);
        }
        return baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }
}
