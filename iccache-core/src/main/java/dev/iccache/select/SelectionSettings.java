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
 * @param threshold           initial utility threshold τ (re-tuned on measured gain while running)
 * @param diversity           cosine between two chosen examples above which the less useful one is dropped
 * @param maxMessages         longer conversations get no examples
 * @param outputReserveTokens tokens kept free for the answer when the request sets no max_tokens
 * @param timeoutMs           longest time selection may take before the request bypasses it
 * @param minSimilarity       the cold start's similarity floor: until the utility model is confident, examples
 *                            below it are left out
 * @param explorationShare    share of the judge budget ({@code router.judge-budget-per-minute}) spent on
 *                            exploration probes that teach the utility model and tune τ
 * @param syncSeconds         period of the sync of the utility models, τ and the bank's clusters with the gateways
 *                            sharing the bank's store, of which one learns; 0 = off (each learns alone)
 */
public record SelectionSettings(boolean enabled, int candidates, int maxExamples, double threshold, double diversity,
        int maxMessages, int outputReserveTokens, long timeoutMs, double minSimilarity, double explorationShare,
        double syncSeconds) {
    public static final SelectionSettings DEFAULT = new SelectionSettings(true, 32, 5, 0.505, 0.95, 16, 512, 250, 0.45,
            0.4, 10);

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
        if (minSimilarity < -1 || minSimilarity > 1) {
            throw new ConfigException("selection.min-similarity must be in [-1, 1], got " + minSimilarity);
        }
        if (explorationShare < 0 || explorationShare > 1) {
            throw new ConfigException("selection.exploration-share must be in [0, 1], got " + explorationShare);
        }
        if (!(syncSeconds >= 0 && Double.isFinite(syncSeconds))) {
            throw new ConfigException("selection.sync-seconds must be a finite number of seconds, 0 (no sync) or more, "
                    + "got " + syncSeconds);
        }
    }

    @JsonCreator
    static SelectionSettings fromYaml(@JsonProperty("enabled") Boolean enabled,
            @JsonProperty("candidates") Integer candidates, @JsonProperty("max-examples") Integer maxExamples,
            @JsonProperty("threshold") Double threshold, @JsonProperty("diversity") Double diversity,
            @JsonProperty("max-messages") Integer maxMessages,
            @JsonProperty("output-reserve-tokens") Integer outputReserveTokens,
            @JsonProperty("timeout-ms") Long timeoutMs, @JsonProperty("min-similarity") Double minSimilarity,
            @JsonProperty("exploration-share") Double explorationShare,
            @JsonProperty("sync-seconds") Double syncSeconds) {
        SelectionSettings d = DEFAULT;
        return new SelectionSettings(enabled == null || enabled, candidates == null ? d.candidates : candidates,
                maxExamples == null ? d.maxExamples : maxExamples, threshold == null ? d.threshold : threshold,
                diversity == null ? d.diversity : diversity, maxMessages == null ? d.maxMessages : maxMessages,
                outputReserveTokens == null ? d.outputReserveTokens : outputReserveTokens,
                timeoutMs == null ? d.timeoutMs : timeoutMs, minSimilarity == null ? d.minSimilarity : minSimilarity,
                explorationShare == null ? d.explorationShare : explorationShare,
                syncSeconds == null ? d.syncSeconds : syncSeconds);
    }
}
