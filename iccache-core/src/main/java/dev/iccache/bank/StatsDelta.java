package dev.iccache.bank;

/**
 * A batched change to one example's statistics.
 *
 * @param exampleId        the example
 * @param uses             uses to add
 * @param offloads         successful offloads to add (after decaying the stored count to now)
 * @param replayGainSample a new G(e) sample to fold into the EMA, or NaN for none
 * @param wins             judged wins to add (responses using the example at least as good as the reference)
 * @param losses           judged losses to add
 */
public record StatsDelta(String exampleId, long uses, double offloads, double replayGainSample, long wins,
        long losses) {
    /** A delta without judgments. */
    public StatsDelta(String exampleId, long uses, double offloads, double replayGainSample) {
        this(exampleId, uses, offloads, replayGainSample, 0, 0);
    }
}
