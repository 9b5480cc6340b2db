package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How much of the machine the request path may spend deciding (embedding a request, searching and
 * selecting its examples, routing it) before further requests are sent on undecided; keys and
 * defaults in docs/configuration.md ({@code decisions}).
 *
 * @param maxConcurrent decisions computed at once; 0 = no limit (nothing ever waits or bypasses for load)
 * @param maxQueued     requests that may wait for a decision slot; one more bypasses at once
 * @param maxWaitMs     longest wait for a slot; then the request bypasses
 */
public record DecisionLimits(int maxConcurrent, int maxQueued, long maxWaitMs) {
    /** Defaults: one decision per processor, two waiting per processor, 50 ms at most. */
    public static final DecisionLimits DEFAULT = withSlots(Runtime.getRuntime().availableProcessors());
    /** No limit. */
    public static final DecisionLimits NONE = new DecisionLimits(0, 0, 1);

    public DecisionLimits {
        if (maxConcurrent < 0) {
            throw new ConfigException("decisions.max-concurrent must be 0 (no limit) or more, got " + maxConcurrent);
        }
        if (maxQueued < 0) {
            throw new ConfigException("decisions.max-queued must not be negative, got " + maxQueued);
        }
        if (maxWaitMs < 1) {
            throw new ConfigException("decisions.max-wait-ms must be positive, got " + maxWaitMs);
        }
    }

    /** {@code slots} decisions at once, the default queue (two per slot) and wait. */
    private static DecisionLimits withSlots(int slots) {
        return new DecisionLimits(slots, 2 * slots, 50);
    }

    @JsonCreator
    static DecisionLimits fromYaml(@JsonProperty("max-concurrent") Integer maxConcurrent,
            @JsonProperty("max-queued") Integer maxQueued, @JsonProperty("max-wait-ms") Long maxWaitMs) {
        DecisionLimits d = maxConcurrent == null ? DEFAULT : withSlots(maxConcurrent);
        return new DecisionLimits(d.maxConcurrent, maxQueued == null ? d.maxQueued : maxQueued,
                maxWaitMs == null ? d.maxWaitMs : maxWaitMs);
    }
}
