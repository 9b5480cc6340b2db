package dev.iccache.select;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iccache.config.ConfigException;

/**
 * Example selection (IC-Cache §4.1). Keys and defaults are in docs/configuration.md.
 *
 * @param enabled             whether requests to small models get examples
 * @param candidates          M: examples taken from the vector search (stage 1)
 * @param maxExamples         examples in one prompt at most
 * @param threshold           initial utility threshold τ (re-tuned from feedback while running)
 * @param diversity           cosine between two chosen examples above which the less useful one is dropped
 * @param maxMessages         longer conversations get no examples
 * @param outputReserveTokens tokens kept free for the answer when the request sets no max_tokens
 * @param timeoutMs           longest time selection may take before the request bypasses it
 * @param tuneSampleRate      fraction of requests that run with a grid threshold to re-tune τ
 * @param qualityFloor        lowest judged win rate of augmented responses a threshold may have
 */
public record SelectionSettings(boolean enabled, int candidates, int maxExamples, double threshold, double diversity,
        int maxMessages, int outputReserveTokens, long timeoutMs, double tuneSampleRate, double qualityFloor) {
    public static final SelectionSettings DEFAULT = new SelectionSettings(true, 32, 5, 0.5, 0.95, 16, 512, 250, 0.05,
            0.5);

    public SelectionSettings {
        if (candidates < 1 || candidates > 256) {
            throw new ConfigException("selection.candidates must be 1..256, got " + candidates);
        }
        if (maxExamples < 0 || maxExamples > candidates) {
            throw new ConfigException("selection.max-examples must be 0..candidates, got " + maxExamples);
        }
        if (threshold < 0 || threshold > 1) {
            throw new ConfigException("selection.threshold must be in [0, 1], got " + threshold);
        }
        if (!(diversity > 0 && diversity <= 1)) {
            throw new ConfigException("selection.diversity must be in (0, 1], got " + diversity);
        }
        if (maxMessages < 1) {
            throw new ConfigException("selection.max-messages must be positive, got " + maxMessages);
        }
        if (outputReserveTokens < 0) {
            throw new ConfigException("selection.output-reserve-tokens must not be negative, got " + outputReserveTokens);
        }
        if (timeoutMs < 1) {
            throw new ConfigException("selection.timeout-ms must be positive, got " + timeoutMs);
        }
        if (tuneSampleRate < 0 || tuneSampleRate > 1) {
            throw new ConfigException("selection.tune-sample-rate must be in [0, 1], got " + tuneSampleRate);
        }
        if (qualityFloor < 0 || qualityFloor > 1) {
            throw new ConfigException("selection.quality-floor must be in [0, 1], got " + qualityFloor);
        }
    }

    @JsonCreator
    static SelectionSettings fromYaml(@JsonProperty("enabled") Boolean enabled,
            @JsonProperty("candidates") Integer candidates, @JsonProperty("max-examples") Integer maxExamples,
            @JsonProperty("threshold") Double threshold, @JsonProperty("diversity") Double diversity,
            @JsonProperty("max-messages") Integer maxMessages,
            @JsonProperty("output-reserve-tokens") Integer outputReserveTokens,
            @JsonProperty("timeout-ms") Long timeoutMs, @JsonProperty("tune-sample-rate") Double tuneSampleRate,
            @JsonProperty("quality-floor") Double qualityFloor) {
        SelectionSettings d = DEFAULT;
        return new SelectionSettings(enabled == null || enabled, candidates == null ? d.candidates : candidates,
                maxExamples == null ? d.maxExamples : maxExamples, threshold == null ? d.threshold : threshold,
                diversity == null ? d.diversity : diversity, maxMessages == null ? d.maxMessages : maxMessages,
                outputReserveTokens == null ? d.outputReserveTokens : outputReserveTokens,
                timeoutMs == null ? d.timeoutMs : timeoutMs, tuneSampleRate == null ? d.tuneSampleRate : tuneSampleRate,
                qualityFloor == null ? d.qualityFloor : qualityFloor);
    }
}
