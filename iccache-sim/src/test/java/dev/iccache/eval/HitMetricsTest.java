package dev.iccache.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iccache.eval.HitMetrics.Row;
import org.junit.jupiter.api.Test;

/** Four queries: nearest-neighbour cosines and whether that neighbour has the query's label. */
class HitMetricsTest {
    private static final double[] SIM = {0.95, 0.9, 0.85, 0.6};
    private static final boolean[] SAME = {true, false, true, true};

    @Test
    void countsCorrectAndWrongHitsAboveTheThreshold() {
        Row r = HitMetrics.at(SIM, SAME, 4, 0.8);
        assertThat(r.hits()).isEqualTo(3);
        assertThat(r.correct()).isEqualTo(2);
        assertThat(r.wrong()).isEqualTo(1);
        assertThat(r.precision()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(r.recall()).isCloseTo(0.5, within(1e-12));
        assertThat(r.f1()).isCloseTo(4 / 7.0, within(1e-12)); // 2·(2/3)·(1/2) / (2/3 + 1/2)
        assertThat(r.falseHitRate()).isCloseTo(0.25, within(1e-12));
    }

    @Test
    void highThresholdsTradeRecallForPrecision() {
        Row r = HitMetrics.at(SIM, SAME, 4, 0.92);
        assertThat(r.precision()).isEqualTo(1);
        assertThat(r.recall()).isCloseTo(0.25, within(1e-12));
        assertThat(r.f1()).isCloseTo(0.4, within(1e-12));
        assertThat(r.falseHitRate()).isZero();
        Row none = HitMetrics.at(SIM, SAME, 4, 0.99);
        assertThat(none.precision()).isNaN();
        assertThat(none.recall()).isZero();
        assertThat(none.f1()).isZero();
    }

    @Test
    void recallCountsOnlyQueriesThatHaveSomethingToFind() {
        assertThat(HitMetrics.at(SIM, SAME, 3, 0.5).recall()).isCloseTo(1, within(1e-12));
    }

    @Test
    void bestF1PicksTheHighestThresholdAmongTies() {
        // F1 is 0.75 (3 correct of 4 hits, 4 positives) for every threshold up to 0.6, 4/7 above.
        Row best = HitMetrics.bestF1(HitMetrics.sweep(SIM, SAME, 4, 100));
        assertThat(best.f1()).isCloseTo(0.75, within(1e-12));
        assertThat(best.threshold()).isEqualTo(0.6);
    }
}
