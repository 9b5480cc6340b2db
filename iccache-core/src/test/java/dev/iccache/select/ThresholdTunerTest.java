package dev.iccache.select;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ThresholdTunerTest {
    @Test
    void choosesTheThresholdWithMostSuccessfulOffloadsAboveTheQualityFloor() {
        ThresholdTuner tuner = new ThresholdTuner(0.5, 0.1, 0.6, new SplittableRandom(1));
        // τ = 0.3: examples for all 100, 55% win → below the floor.
        // τ = 0.5: examples for 80, 75% win → 60 successes.  τ = 0.7: examples for 40, 90% win → 36.
        record(tuner, 0.3, 100, 100, 55);
        record(tuner, 0.5, 100, 80, 60);
        record(tuner, 0.7, 100, 40, 36);
        assertThat(tuner.tune()).isEmpty();
        assertThat(tuner.threshold()).isEqualTo(0.5);
        record(tuner, 0.4, 100, 95, 70);
        assertThat(tuner.tune()).hasValue(0.4);
        assertThat(tuner.threshold()).isEqualTo(0.4);
    }

    @Test
    void gridValuesWithTooFewSamplesAreNotChosen() {
        ThresholdTuner tuner = new ThresholdTuner(0.5, 0.1, 0.5, new SplittableRandom(1));
        record(tuner, 0.3, ThresholdTuner.MIN_SAMPLES - 1, ThresholdTuner.MIN_SAMPLES - 1, ThresholdTuner.MIN_SAMPLES - 1);
        assertThat(tuner.tune()).isEmpty();
    }

    @Test
    void aSampleOfRequestsRunsWithGridThresholds() {
        ThresholdTuner tuner = new ThresholdTuner(0.5, 0.2, 0.5, new SplittableRandom(7));
        int other = 0;
        for (int i = 0; i < 10_000; i++) {
            double t = tuner.thresholdForRequest();
            if (t != 0.5) {
                other++;
            }
        }
        // 20% sampled, of which 10 in 11 grid values differ from 0.5.
        assertThat(other).isBetween(1600, 2000);
    }

    private static void record(ThresholdTuner tuner, double tau, int n, int augmented, int wins) {
        for (int i = 0; i < n; i++) {
            tuner.record(tau, i < augmented, i < wins);
        }
    }
}
