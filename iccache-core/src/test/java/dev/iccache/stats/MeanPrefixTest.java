package dev.iccache.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MeanPrefixTest {
    @Test
    void theLongestPrefixAveragingTheFloorIsTaken() {
        // 0.9 pays 0.4 above 0.5: the two 0.4s (−0.1 each) fit, the 0.1 (−0.4) does not.
        assertThat(MeanPrefix.longest(new double[] {0.9, 0.4, 0.4, 0.1}, 0.5)).isEqualTo(3);
        // Not only while it rises: a later value can bring the mean back to the floor.
        assertThat(MeanPrefix.longest(new double[] {0.6, 0.3, 0.8}, 0.5)).isEqualTo(3);
        assertThat(MeanPrefix.longest(new double[] {0.4, 0.9}, 0.5)).as("the first alone is below").isEqualTo(2);
        assertThat(MeanPrefix.longest(new double[] {0.4}, 0.5)).isZero();
        assertThat(MeanPrefix.longest(new double[0], 0.5)).isZero();
    }
}
