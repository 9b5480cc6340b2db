package dev.iccache.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iccache.eval.CallPerformance.Point;
import java.util.List;
import org.junit.jupiter.api.Test;

/** APGR and CPT against hand-computed cases (weak quality 0.5, strong 0.9 unless said). */
class CallPerformanceTest {
    private static final double W = 0.5;
    private static final double S = 0.9;
    private static final List<Point> CURVE = List.of(new Point(0, 0.5), new Point(0.5, 0.8), new Point(1, 0.9));

    @Test
    void pgrIsTheShareOfTheGapRecovered() {
        assertThat(CallPerformance.pgr(0.8, W, S)).isCloseTo(0.75, within(1e-12));
        assertThat(CallPerformance.pgr(0.5, W, S)).isCloseTo(0, within(1e-12));
        assertThat(CallPerformance.pgr(0.9, W, S)).isCloseTo(1, within(1e-12));
    }

    @Test
    void apgrIsTheTrapezoidAreaUnderPgr() {
        // Quality area: 0.5·(0.5+0.8)/2 + 0.5·(0.8+0.9)/2 = 0.75; weak area 0.5, strong area 0.9:
        // (0.75 − 0.5) / (0.9 − 0.5) = 0.625 (= PGR area 0.5·0.75/2 + 0.5·1.75/2).
        assertThat(CallPerformance.apgr(CURVE, W, S)).isCloseTo(0.625, within(1e-12));
    }

    @Test
    void apgrSortsPointsByStrongShare() {
        List<Point> shuffled = List.of(CURVE.get(2), CURVE.get(0), CURVE.get(1));
        assertThat(CallPerformance.apgr(shuffled, W, S)).isCloseTo(0.625, within(1e-12));
        assertThat(CallPerformance.cpt(shuffled, W, S, 0.5)).isCloseTo(1 / 3.0, within(1e-12));
    }

    @Test
    void apgrNormalisesByTheSpanLikeRouteLlm() {
        // Points only from 0.2 to 0.6 share: quality area 0.4·(0.6+0.7)/2 = 0.26; weak 0.2, strong 0.36.
        List<Point> partial = List.of(new Point(0.2, 0.6), new Point(0.6, 0.7));
        assertThat(CallPerformance.apgr(partial, W, S)).isCloseTo((0.26 - 0.2) / (0.36 - 0.2), within(1e-12));
    }

    @Test
    void cptInterpolatesLinearlyToTheTargetQuality() {
        // CPT(50%): target 0.7 on the segment 0.5 → 0.8 over shares 0 → 0.5: (0.2/0.3)·0.5 = 1/3.
        assertThat(CallPerformance.cpt(CURVE, W, S, 0.5)).isCloseTo(1 / 3.0, within(1e-12));
        // CPT(80%): target 0.82 on the segment 0.8 → 0.9 over 0.5 → 1: 0.5 + 0.2·0.5 = 0.6.
        assertThat(CallPerformance.cpt(CURVE, W, S, 0.8)).isCloseTo(0.6, within(1e-12));
    }

    @Test
    void cptIsTheFirstShareThatReachesTheTarget() {
        List<Point> wavy = List.of(new Point(0, 0.5), new Point(0.2, 0.75), new Point(0.4, 0.65), new Point(1, 0.9));
        // Target 0.7 is first reached on 0.5 → 0.75 over 0 → 0.2: 0.8·0.2 = 0.16.
        assertThat(CallPerformance.cpt(wavy, W, S, 0.5)).isCloseTo(0.16, within(1e-12));
        // Already reached at the first point.
        assertThat(CallPerformance.cpt(List.of(new Point(0, 0.75), new Point(1, 0.9)), W, S, 0.5)).isZero();
        // Never reached: the last share, as np.interp clamps.
        List<Point> short_ = List.of(new Point(0, 0.5), new Point(0.5, 0.6), new Point(0.9, 0.7));
        assertThat(CallPerformance.cpt(short_, W, S, 0.8)).isCloseTo(0.9, within(1e-12));
    }

    @Test
    void randomRouterHasApgrHalfAndCptEqualToTheTarget() {
        List<Point> random = ThresholdSweep.random(W, S, 10);
        assertThat(CallPerformance.apgr(random, W, S)).isCloseTo(0.5, within(1e-12));
        assertThat(CallPerformance.cpt(random, W, S, 0.5)).isCloseTo(0.5, within(1e-12));
        assertThat(CallPerformance.cpt(random, W, S, 0.8)).isCloseTo(0.8, within(1e-12));
    }

    @Test
    void undefinedGapFails() {
        assertThatThrownBy(() -> CallPerformance.apgr(CURVE, 0.7, 0.7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("undefined");
        assertThatThrownBy(() -> CallPerformance.apgr(List.of(new Point(0, 0.5)), W, S))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
