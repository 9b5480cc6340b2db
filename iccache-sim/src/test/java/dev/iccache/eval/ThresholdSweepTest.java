package dev.iccache.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iccache.eval.CallPerformance.Point;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Threshold sweeps on four prompts, by hand. */
class ThresholdSweepTest {
    private static final double[] SCORE = {0.1, 0.4, 0.2, 0.3};
    private static final double[] WEAK = {1, 0, 1, 0};
    private static final double[] STRONG = {1, 1, 0, 1};

    private static void assertPoint(Point p, double share, double quality) {
        assertThat(p.strongShare()).as("share").isCloseTo(share, within(1e-12));
        assertThat(p.quality()).as("quality").isCloseTo(quality, within(1e-12));
    }

    @Test
    void quantilesInterpolateLinearlyLikeNumpy() {
        double[] sorted = {1, 2, 3, 4};
        assertThat(ThresholdSweep.quantile(sorted, 0.25)).isCloseTo(1.75, within(1e-12));
        assertThat(ThresholdSweep.quantile(sorted, 0.5)).isCloseTo(2.5, within(1e-12));
        assertThat(ThresholdSweep.quantile(sorted, 0)).isEqualTo(1);
        assertThat(ThresholdSweep.quantile(sorted, 1)).isEqualTo(4);
    }

    @Test
    void routeLlmSweepRunsFromAllStrongToAllWeak() {
        // Thresholds: quantiles 0, 0.5, 1 of {0.1, 0.2, 0.3, 0.4} = 0.1, 0.25, 0.4.
        List<Point> c = ThresholdSweep.quantileSweep(SCORE, WEAK, STRONG, 2);
        assertThat(c).hasSize(3);
        assertPoint(c.get(0), 1, 0.75); // score >= 0.1: all strong, 3 of 4 correct
        assertPoint(c.get(1), 0.5, 1.0); // score >= 0.25: prompts 1 and 3 strong (both right), 0 and 2 weak (right)
        assertPoint(c.get(2), 0, 0.5); // score > 0.4: none
    }

    @Test
    void fullSweepTakesEveryThreshold() {
        List<Point> c = ThresholdSweep.fullSweep(SCORE, WEAK, STRONG);
        assertThat(c).hasSize(5);
        assertPoint(c.get(0), 0, 0.5);
        assertPoint(c.get(1), 0.25, 0.75);
        assertPoint(c.get(2), 0.5, 1.0);
        assertPoint(c.get(3), 0.75, 0.75);
        assertPoint(c.get(4), 1, 0.75);
        // APGR (weak 0.5, strong 0.75): PGR 0, 1, 2, 1, 1 → area 0.25·(0.5 + 1.5 + 1.5 + 1) = 1.125.
        assertThat(CallPerformance.apgr(c, 0.5, 0.75)).isCloseTo(1.125, within(1e-12));
    }

    @Test
    void tiedScoresMoveTogether() {
        List<Point> c = ThresholdSweep.fullSweep(new double[] {0.5, 0.5, 0.1}, new double[] {0, 0, 0},
                new double[] {1, 1, 1});
        assertThat(c).hasSize(3);
        assertPoint(c.get(1), 2 / 3.0, 2 / 3.0);
    }

    @Test
    void oracleSpendsCallsOnlyWhereTheStrongModelGains() {
        // Only prompts 1 and 3 gain (weak wrong, strong right); weak gets 2 of 4 right.
        List<Point> c = ThresholdSweep.oracle(WEAK, STRONG, 4);
        double[] expected = {0.5, 0.75, 1.0, 1.0, 1.0};
        for (int i = 0; i <= 4; i++) {
            assertPoint(c.get(i), i / 4.0, expected[i]);
        }
        // A half call counts half, as RouteLLM's get_optimal_accuracy: (2 + min(0.5, 2)) / 4.
        assertPoint(ThresholdSweep.oracle(WEAK, STRONG, 8).get(1), 0.125, 0.625);
        List<Point> full = ThresholdSweep.oracleFull(WEAK, STRONG);
        assertThat(full).hasSize(5);
        assertPoint(full.get(2), 0.5, 1.0);
        assertPoint(full.get(4), 1, 1.0);
    }

    @Test
    void oracleWithGradedQualityTakesTheLargestGainsFirst() {
        double[] weak = {0.5, 0.2, 0.9};
        double[] strong = {0.6, 0.9, 0.8}; // gains 0.1, 0.7, −0.1
        List<Point> c = ThresholdSweep.oracle(weak, strong, 3);
        assertPoint(c.get(1), 1 / 3.0, (1.6 + 0.7) / 3);
        assertPoint(c.get(2), 2 / 3.0, (1.6 + 0.8) / 3);
        assertPoint(c.get(3), 1, (1.6 + 0.8) / 3);
    }
}
