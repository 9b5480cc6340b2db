package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a backend's tokens cost, in a currency of the operator's choice (spend and budgets are in it).
 *
 * @param promptPer1k     the price of 1,000 prompt tokens
 * @param completionPer1k the price of 1,000 completion tokens
 */
public record ModelPrice(double promptPer1k, double completionPer1k) {
    public ModelPrice {
        if (!(promptPer1k >= 0) || !(completionPer1k >= 0) || Double.isInfinite(promptPer1k)
                || Double.isInfinite(completionPer1k)) {
            throw new ConfigException("prices: prompt-per-1k and completion-per-1k must be finite numbers >= 0");
        }
    }

    /** The price of an answer of these tokens. */
    public double of(long promptTokens, long completionTokens) {
        return (promptTokens * promptPer1k + completionTokens * completionPer1k) / 1000;
    }

    @JsonCreator
    static ModelPrice fromYaml(@JsonProperty("prompt-per-1k") Double promptPer1k,
            @JsonProperty("completion-per-1k") Double completionPer1k) {
        return new ModelPrice(promptPer1k == null ? 0 : promptPer1k, completionPer1k == null ? 0 : completionPer1k);
    }
}
