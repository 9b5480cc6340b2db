package dev.iccache.select;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThresholdTunerTest {
    /** Mean measured gain of each candidate τ in a planted world: 0.51 helps most. */
    private static double gainAt(double tau) {
        return tau == 0.51 ? 0.6 : tau == 0.505 ? 0.55 : 0.48;
    }

    @Test
    void thompsonSamplingFindsTheThresholdWithTheHighestMeasuredGainAndProbesItMost() {
        ThresholdTuner tuner = new ThresholdTuner(0.5, new SplittableRandom(1));
        SplittableRandom noise = new SplittableRandom(2);
        Map<Double, Integer> tried = new HashMap<>();
        for (int i = 0; i < 600; i++) {
            double tau = tuner.sample();
            tried.merge(tau, 1, Integer::sum);
            tuner.record(tau, Math.max(0, Math.min(1, gainAt(tau) + 0.2 * noise.nextGaussian())));
        }
        assertThat(tuner.threshold()).isEqualTo(0.51);
        assertThat(tried.get(0.51)).as("the best arm gets most probes: %s", tried).isGreaterThan(250)
                .isEqualTo(tried.values().stream().mapToInt(Integer::intValue).max().orElseThrow());
        assertThat(2 * tried.get(0.5)).as("the initial τ, the control, keeps half as many: %s", tried)
                .isGreaterThanOrEqualTo(tried.get(0.51) - 1);
        assertThat(tuner.probes()).isEqualTo(600);
    }

    @Test
    void theInitialThresholdHoldsUntilACandidateHasEnoughProbes() {
        ThresholdTuner tuner = new ThresholdTuner(0.505, new SplittableRandom(1));
        for (int i = 0; i < ThresholdTuner.MIN_SAMPLES; i++) {
            tuner.record(0.505, 0.4);
        }
        for (int i = 0; i < ThresholdTuner.MIN_SAMPLES - 1; i++) {
            tuner.record(0.52, 1.0);
        }
        assertThat(tuner.threshold()).isEqualTo(0.505);
        tuner.record(0.52, 1.0);
        assertThat(tuner.threshold()).isEqualTo(0.52);
        tuner.record(0.7, 1.0); // not a candidate: ignored
        assertThat(tuner.probes()).isEqualTo(2 * ThresholdTuner.MIN_SAMPLES);
    }

    /** Every candidate gains the same: whichever looks best is so by noise, and the initial τ stays. */
    @Test
    void noiseAloneNeverMovesTheThresholdFromTheInitialOne() {
        for (long seed = 1; seed <= 20; seed++) {
            ThresholdTuner tuner = new ThresholdTuner(0.505, new SplittableRandom(seed));
            SplittableRandom noise = new SplittableRandom(seed + 100);
            for (int i = 0; i < 600; i++) {
                double tau = tuner.sample();
                tuner.record(tau, Math.max(0, Math.min(1, 0.52 + 0.2 * noise.nextGaussian())));
            }
            assertThat(tuner.threshold()).as("seed %d", seed).isEqualTo(0.505);
        }
    }

    @Test
    void theTunedThresholdPersistsAcrossARestart(@TempDir Path dir) {
        ThresholdTuner tuner = new ThresholdTuner(0.505, new SplittableRandom(1));
        for (int i = 0; i < 20; i++) {
            tuner.record(0.49, 0.9);
            tuner.record(0.505, 0.4);
        }
        assertThat(tuner.threshold()).isEqualTo(0.49);
        Path file = dir.resolve("threshold.json");
        tuner.save(file);
        ThresholdTuner restarted = new ThresholdTuner(0.505, new SplittableRandom(1));
        restarted.load(file);
        assertThat(restarted.threshold()).isEqualTo(0.49);
        assertThat(restarted.probes()).isEqualTo(40);
        ThresholdTuner fresh = new ThresholdTuner(0.505, new SplittableRandom(1));
        fresh.load(dir.resolve("absent.json"));
        assertThat(fresh.threshold()).isEqualTo(0.505);
    }
}
