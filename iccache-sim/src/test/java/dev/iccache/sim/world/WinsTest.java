package dev.iccache.sim.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
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

    @Test
    void whatARouterSeesIsTheRequestAndItsExamplesSimilaritiesMostSimilarFirst() {
        float[] request = {1, 0, 0};
        double[] x = Wins.visible(request, List.of(new float[] {0.6f, 0.8f, 0}, new float[] {0.8f, 0, 0.6f}));
        assertThat(x).hasSize(3 + 1 + Wins.VISIBLE_EXAMPLES);
        assertThat(Arrays.copyOf(x, 3)).containsExactly(1, 0, 0);
        assertThat(x[3]).isCloseTo(2.0 / Wins.VISIBLE_EXAMPLES, within(1e-12));
        assertThat(x[4]).isCloseTo(0.8, within(1e-6));
        assertThat(x[5]).isCloseTo(0.6, within(1e-6));
        assertThat(Arrays.copyOfRange(x, 6, x.length)).containsOnly(0);
        assertThat(Wins.visible(request, List.of())).hasSize(x.length);
    }

    @Test
    void aLearnedRankingKeepsWhatTheVisibleFeaturesCarryAndNoMore() {
        SplittableRandom random = new SplittableRandom(7);
        int n = 1_000;
        double[] win = new double[n];
        double[][] carries = new double[n][];
        double[][] noise = new double[n][];
        for (int i = 0; i < n; i++) {
            double signal = random.nextGaussian();
            win[i] = 0.9 / (1 + Math.exp(2 - 3 * signal)); // mean about 0.25
            carries[i] = new double[] {signal, random.nextGaussian()};
            noise[i] = new double[] {random.nextGaussian(), random.nextGaussian()};
        }
        int truth = Wins.parityCount(win);
        assertThat(truth).isBetween(200, 800);
        // A feature monotone in the chance ranks almost as the truth does (ridge is linear, the chance a sigmoid).
        assertThat(Wins.parityCountLearned(win, carries)).isBetween((int) (0.9 * truth), truth);
        // Features unrelated to the chance rank at random, and a random prefix averages about 0.25.
        assertThat(Wins.parityCountLearned(win, noise)).isLessThan(truth / 2);
        assertThat(Wins.parityCountLearned(new double[] {0.9, 0.9}, new double[][] {{1}, {2}}))
                .as("too few answers to learn from").isZero();
    }
}
