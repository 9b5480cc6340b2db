package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The circuit breaker of each endpoint of a remote backend ({@code backends[].breaker}); checked by
 * {@link BackendConfig}. Keys and defaults are in docs/configuration.md.
 *
 * @param failures      consecutive failures that open the breaker; 0 turns breakers off
 * @param coolDownMs    how long an opened breaker waits before it lets one probe call through
 * @param maxCoolDownMs the cool-down doubles after each failed probe, up to this
 */
public record BreakerSettings(int failures, long coolDownMs, long maxCoolDownMs) {
    public static final BreakerSettings DEFAULT = new BreakerSettings(3, 5_000, 60_000);

    /** Whether breakers are on. */
    public boolean enabled() {
        return failures > 0;
    }

    void check(String where) {
        if (failures < 0) {
            throw new ConfigException(where + "breaker.failures must be 0 (off) or more, got " + failures);
        }
        if (coolDownMs < 1) {
            throw new ConfigException(where + "breaker.cool-down-ms must be positive, got " + coolDownMs);
        }
        if (maxCoolDownMs < coolDownMs) {
            throw new ConfigException(where + "breaker.max-cool-down-ms must be at least cool-down-ms ("
                    + coolDownMs + "), got " + maxCoolDownMs);
        }
    }

    @JsonCreator
    static BreakerSettings fromYaml(@JsonProperty("failures") Integer failures,
            @JsonProperty("cool-down-ms") Long coolDownMs, @JsonProperty("max-cool-down-ms") Long maxCoolDownMs) {
        BreakerSettings d = DEFAULT;
        return new BreakerSettings(failures == null ? d.failures : failures,
                coolDownMs == null ? d.coolDownMs : coolDownMs, maxCoolDownMs == null ? d.maxCoolDownMs : maxCoolDownMs);
    }
}
