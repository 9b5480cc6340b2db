package dev.iccache.sim.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WinsTest {
    @Test
    void theChanceOfWinningIsSymmetricAndCountsTiesHalf() {
        assertThat(Wins.expected(0, 0.02, 0.14)).isCloseTo(0.5, within(1e-12));
        for (double d : new double[] {0.01, 0.05, 0.3}) {
            assertThat(Wins.expected(d, 0.02, 0.14) + Wins.expected(-d, 0.02, 0.14)).isCloseTo(1, within(1e-12));
            assertThat(Wins.expected(d, 0.02, 0.14)).isGreaterThan(0.5);
        }
        assertThat(Wins.expected(0.01, 0.02, 0)).isEqualTo(0.5);
        assertThat(Wins.expected(0.05, 0.02, 0)).isEqualTo(1);
    }

    @Test
    void parityKeepsTheMostLikelyWinnersWhileTheirSurplusPaysForTheRest() {
        // 0.9 pays 0.4 above parity: two answers at 0.4 (−0.1 each) fit, the 0.1 (−0.4) does not.
        assertThat(Wins.parityCount(new double[] {0.4, 0.1, 0.9, 0.4})).isEqualTo(3);
        assertThat(Wins.parityCount(new double[] {0.45, 0.3})).as("none as good as the large model").isZero();
        assertThat(Wins.parityCount(new double[] {0.6, 0.7})).isEqualTo(2);
        assertThat(Wins.parityCount(new double[0])).isZero();
    }

    @Test
    void aRouterThatRanksByAnotherScoreKeepsOnlyWhatItsOrderAllows() {
        double[] win = {0.4, 0.1, 0.9, 0.4};
        // Ranked worst first: 0.1 alone is below parity, 0.1 and 0.9 together are at it, no more fit.
        assertThat(Wins.parityCount(win, new double[] {2, 4, 3, 1})).isEqualTo(2);
        assertThat(Wins.parityCount(win, win)).isEqualTo(Wins.parityCount(win));
    }
}
