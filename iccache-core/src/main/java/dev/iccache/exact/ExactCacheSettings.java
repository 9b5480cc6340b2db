package dev.iccache.exact;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iccache.config.ConfigException;

/**
 * Exact-match answers for deterministic requests ({@code exact-cache}). Keys and defaults are in
 * docs/configuration.md.
 *
 * @param enabled    the default of every tenant without its own {@code exact-cache}
 * @param ttlSeconds seconds a stored answer is served after it was stored
 * @param maxBytes   bytes of stored answers and their keys kept at most; beyond it answers are evicted
 */
public record ExactCacheSettings(boolean enabled, long ttlSeconds, long maxBytes) {
    public static final ExactCacheSettings DEFAULT = new ExactCacheSettings(false, 600, 32L << 20);

    public ExactCacheSettings {
        if (ttlSeconds < 1) {
            throw new ConfigException("exact-cache.ttl-seconds must be positive, got " + ttlSeconds);
        }
        if (maxBytes < 1) {
            throw new ConfigException("exact-cache.max-bytes must be positive, got " + maxBytes);
        }
    }

    @JsonCreator
    static ExactCacheSettings fromYaml(@JsonProperty("enabled") Boolean enabled,
            @JsonProperty("ttl-seconds") Long ttlSeconds, @JsonProperty("max-bytes") Long maxBytes) {
        ExactCacheSettings d = DEFAULT;
        return new ExactCacheSettings(enabled != null && enabled, ttlSeconds == null ? d.ttlSeconds : ttlSeconds,
                maxBytes == null ? d.maxBytes : maxBytes);
    }
}
