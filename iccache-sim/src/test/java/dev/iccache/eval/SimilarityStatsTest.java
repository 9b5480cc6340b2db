package dev.iccache.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimilarityStatsTest {
    private final SimilarityStats stats = new SimilarityStats(
            new double[] {0.95, Double.NEGATIVE_INFINITY, 0.75, 0.5, 0.8});

    @Test
    void fractionsCountNeighboursAtOrAboveTheThreshold() {
        assertThat(stats.fractionAtLeast(0.7)).isCloseTo(0.6, within(1e-12));
        assertThat(stats.fractionAtLeast(0.8)).isCloseTo(0.4, within(1e-12));
        assertThat(stats.fractionAtLeast(0.9)).isCloseTo(0.2, within(1e-12));
    }

    @Test
    void cdfCountsAtOrBelowAndARequestWithoutNeighbourIsBelowEverything() {
        assertThat(stats.cdf(0)).isCloseTo(0.2, within(1e-12));
        assertThat(stats.cdf(0.8)).isCloseTo(0.8, within(1e-12));
        List<double[]> points = stats.cdfPoints();
        assertThat(points).hasSize(SimilarityStats.CDF_STEPS + 1);
        assertThat(points.get(0)).containsExactly(0, 0.2);
        assertThat(points.get(25)[0]).isCloseTo(0.5, within(1e-12));
        assertThat(points.get(25)[1]).isCloseTo(0.4, within(1e-12));
        assertThat(points.get(SimilarityStats.CDF_STEPS)).containsExactly(1, 1);
    }

    @Test
    void quantileIsTheLowerEmpiricalOne() {
        assertThat(stats.quantile(0.5)).isEqualTo(0.75);
        assertThat(stats.quantile(1)).isEqualTo(0.95);
    }

    @Test
    void roundingAboveOneCountsAsOne() {
        SimilarityStats s = new SimilarityStats(new double[] {1.0000001, 0.5});
        assertThat(s.cdf(1)).isEqualTo(1);
        assertThat(s.fractionAtLeast(1)).isCloseTo(0.5, within(1e-12));
    }
}
