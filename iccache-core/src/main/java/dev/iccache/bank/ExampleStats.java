package dev.iccache.bank;

import java.time.Duration;
import java.time.Instant;

/**
 * Usage statistics of an example (IC-Cache §4.3).
 *
 * @param uses             times the example was put in a prompt
 * @param decayedOffloads  successful offloads it helped, decayed by 0.9 per hour up to {@code offloadsAsOf}
 * @param offloadsAsOf     when {@code decayedOffloads} was last decayed
 * @param replayGainEma    exponential moving average of the replay gain G(e) = (1 − quality) × cost
 * @param replayCount      times the example was replayed (capped at 5 by the manager)
 * @param wins             judged responses that used the example and were at least as good as the reference
 * @param losses           judged responses that used the example and were worse than the reference
 */
public record ExampleStats(long uses, double decayedOffloads, Instant offloadsAsOf, double replayGainEma,
        int replayCount, long wins, long losses) {
    /** Hourly decay of successful offloads (IC-Cache §4.3). */
    public static final double OFFLOAD_DECAY_PER_HOUR = 0.9;
    /** Weight of a new sample in the replay gain EMA. */
    public static final double REPLAY_GAIN_ALPHA = 0.2;

    public static ExampleStats fresh(Instant now) {
        return new ExampleStats(0, 0, now, 0, 0, 0, 0);
    }

    /** Successful offloads decayed to {@code now}. */
    public double offloadsAt(Instant now) {
        double hours = Math.max(0, Duration.between(offloadsAsOf, now).toMillis() / 3_600_000.0);
        return decayedOffloads * Math.pow(OFFLOAD_DECAY_PER_HOUR, hours);
    }

    /** These statistics with a batched change applied at {@code now}; the one rule every store uses. */
    public ExampleStats apply(StatsDelta delta, Instant now) {
        double gain = replayGainEma;
        if (!Double.isNaN(delta.replayGainSample())) {
            gain = uses == 0 && replayGainEma == 0 ? delta.replayGainSample()
                    : replayGainEma + REPLAY_GAIN_ALPHA * (delta.replayGainSample() - replayGainEma);
        }
        Instant asOf = now.isAfter(offloadsAsOf) ? now : offloadsAsOf;
        return new ExampleStats(uses + delta.uses(), offloadsAt(asOf) + delta.offloads(), asOf, gain, replayCount,
                wins + delta.wins(), losses + delta.losses());
    }

    /** These statistics after one more replay. */
    public ExampleStats replayed() {
        return new ExampleStats(uses, decayedOffloads, offloadsAsOf, replayGainEma, replayCount + 1, wins, losses);
    }
}
