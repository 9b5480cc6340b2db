package dev.iccache.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iccache.eval.CostQualityFrontier.Point;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostQualityFrontierTest {
    private final CostQualityFrontier f = new CostQualityFrontier(List.of(new Point(4, 0.85), new Point(2, 0.6),
            new Point(1, 0.5), new Point(3, 0.9)));

    @Test
    void keepsTheUpperConcaveHull() {
        // (2, 0.6) lies below the mix of (1, 0.5) and (3, 0.9); (4, 0.85) costs more for less.
        assertThat(f.corners()).containsExactly(new Point(1, 0.5), new Point(3, 0.9));
    }

    @Test
    void interpolatesMixesOfNeighbouringCorners() {
        assertThat(f.qualityAt(2)).isCloseTo(0.7, within(1e-12));
        assertThat(f.qualityAt(10)).isCloseTo(0.9, within(1e-12));
        assertThat(f.qualityAt(0.5)).isNaN();
        assertThat(f.costFor(0.8)).isCloseTo(2.5, within(1e-12));
        assertThat(f.costFor(0.4)).isEqualTo(1);
        assertThat(f.costFor(0.95)).isNaN();
    }

    @Test
    void infiniteCostWeightPicksTheCheapestAndZeroTheBest() {
        double[][] value = {{0.9, 0.5}};
        double[][] cost = {{2, 1}};
        assertThat(MultiModelRouting.choose(value, cost, 0)).containsExactly(0);
        assertThat(MultiModelRouting.choose(value, cost, Double.POSITIVE_INFINITY)).containsExactly(1);
        assertThat(MultiModelRouting.choose(value, cost, 0.3)).containsExactly(0); // 0.3 vs 0.2
        assertThat(MultiModelRouting.choose(value, cost, 0.5)).containsExactly(1); // −0.1 vs 0
    }
}
