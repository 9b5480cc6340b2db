package dev.iccache.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OffloadThresholdTest {
    @Test
    void theCutKeepsTheTargetAndTakesAsManyAsTheTargetAllows() {
        SplittableRandom random = new SplittableRandom(7);
        for (int run = 0; run < 500; run++) {
            int n = 1 + random.nextInt(60);
            double target = 0.3 + 0.4 * random.nextDouble();
            double[] p = new double[n];
            for (int i = 0; i < n; i++) {
                // Rounded to tenths, so that equal predictions occur often.
                p[i] = Math.round(random.nextDouble() * 10) / 10.0;
            }
            double cut = OffloadThreshold.choose(p.clone(), target);
            double[] taken = Arrays.stream(p).filter(x -> x >= cut).toArray();
            if (taken.length > 0) {
                assertThat(Arrays.stream(taken).average().orElseThrow()).as("mean at or above the cut")
                        .isGreaterThanOrEqualTo(target - 1e-12);
            } else {
                assertThat(Arrays.stream(p).max().orElseThrow()).as("nothing taken: even the best is below")
                        .isLessThan(target);
            }
            double next = Arrays.stream(p).filter(x -> x < cut).max().orElse(Double.NaN);
            if (!Double.isNaN(next)) {
                double[] more = Arrays.stream(p).filter(x -> x >= next).toArray();
                assertThat(Arrays.stream(more).average().orElseThrow()).as("one value lower would break the target")
                        .isLessThan(target);
            }
        }
    }

    @Test
    void equalPredictionsAreTakenTogetherOrNotAtAll() {
        // Two at 0.8 pay for one at 0.1 (mean 0.57), not for two (0.45) and so for neither.
        assertThat(OffloadThreshold.choose(new double[] {0.8, 0.8, 0.1}, 0.5)).isEqualTo(0.1);
        assertThat(OffloadThreshold.choose(new double[] {0.8, 0.1, 0.8, 0.1}, 0.5)).isEqualTo(0.8);
        assertThat(OffloadThreshold.choose(new double[] {0.4, 0.3}, 0.5)).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void theThresholdFollowsTheRecentPredictions() {
        OffloadThreshold t = new OffloadThreshold(0.5);
        double cut = 0;
        for (int i = 0; i < OffloadThreshold.WINDOW; i++) {
            cut = t.update(i % 2 == 0 ? 0.9 : 0.3);
        }
        assertThat(cut).as("0.9 and 0.3 in equal numbers: mean 0.6, all may go").isEqualTo(0.3);
        for (int i = 0; i < OffloadThreshold.WINDOW; i++) {
            cut = t.update(i % 4 == 0 ? 0.9 : 0.3);
        }
        assertThat(cut).as("one 0.9 to three 0.3 (mean 0.45): only the 0.9s").isEqualTo(0.9);
        assertThatThrownBy(() -> new OffloadThreshold(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theAimFollowsTheJudgedOffloadedAnswersWithinItsBounds() {
        OffloadThreshold t = new OffloadThreshold(0.5);
        t.observe(0.2);
        assertThat(t.aim()).isCloseTo(0.5 + OffloadThreshold.STEP * 0.3, within(1e-12));
        for (int i = 0; i < 100; i++) {
            t.observe(0.8);
        }
        assertThat(t.aim()).as("judged better than the target: more may go").isLessThan(0.5);
        for (int i = 0; i < 10_000; i++) {
            t.observe(0);
        }
        assertThat(t.aim()).isEqualTo(0.99);
    }
}
