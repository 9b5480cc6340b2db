package dev.iccache.bank;

/**
 * A batched change to one example's statistics.
 *
 * @param exampleId        the example
 * @param uses             uses to add
 * @param offloads         successful offloads to add (after decaying the stored count to now)
 * @param replayGainSample a new G(e) sample to fold into the EMA, or NaN for none
 */
public record StatsDelta(String exampleId, long uses, double offloads, double replayGainSample) {
}
