package dev.iccache.backend.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The calibration targets of EVALUATION.md §2.2 (IC-Cache paper, Gemma-2-2B vs Gemma-2-27B). */
class SimProfileTest {
    @Test
    void unbatchedEndToEndLatencyMatchesThePaper() {
        assertThat(SimProfile.SMALL.unbatchedLatencySeconds(100, 250)).isCloseTo(2.66, within(0.05));
        assertThat(SimProfile.LARGE.unbatchedLatencySeconds(100, 250)).isCloseTo(8.94, within(0.15));
    }

    @Test
    void largeNeedsAboutSevenTimesTheGpusPerUnitOfThroughput() {
        double ratio = SimProfile.SMALL.saturatedTokensPerSecondPerGpu()
                / SimProfile.LARGE.saturatedTokensPerSecondPerGpu();
        assertThat(ratio).isCloseTo(7.17, within(0.2));
    }

    @Test
    void examplesRoughlyDoubleAShortPromptsTimeToFirstToken() {
        for (SimProfile p : new SimProfile[] {SimProfile.SMALL, SimProfile.LARGE}) {
            double ratio = (double) p.timeToFirstTokenNanos(500) / p.timeToFirstTokenNanos(100);
            assertThat(ratio).as(p.name()).isCloseTo(2.0, within(0.1));
        }
    }

    @Test
    void decodeSlowsWithBatchSize() {
        assertThat(SimProfile.SMALL.decodeRate(32)).isLessThan(SimProfile.SMALL.decodeRate(1));
        assertThat(SimProfile.SMALL.interTokenNanos(1)).isEqualTo((long) (1e9 / SimProfile.SMALL.decodeTokensPerSec()));
    }
}
