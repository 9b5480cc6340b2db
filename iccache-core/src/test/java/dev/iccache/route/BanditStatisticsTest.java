package dev.iccache.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The algebra of bandit statistics: applying a delta to a state, and composing deltas (docs/routing.md). */
class BanditStatisticsTest {
    private static final double LAMBDA = 1;
    private static final int DIM = 3;
    private static final double[] X = {1, 0.5, -0.25};

    private static BanditStatistics learn(BanditStatistics from, double forgetting, String arm, double[] x, double r) {
        return from.then(BanditStatistics.observation(arm, x, r), forgetting);
    }

    @Test
    void applyingADeltaFadesEveryArmOfTheStateAndAddsTheDeltasSums() {
        double gamma = 0.9;
        BanditStatistics state = learn(BanditStatistics.prior(LAMBDA), gamma, "a", X, 0.7);
        state = learn(state, gamma, "b", X, 0.2);
        // A delta of three updates, two of them to b and one to an arm the state does not have.
        BanditStatistics delta = learn(BanditStatistics.NO_CHANGE, gamma, "b", X, 1);
        delta = learn(delta, gamma, "c", X, 0);
        delta = learn(delta, gamma, "b", X, 0.5);
        assertThat(delta.steps()).isEqualTo(3);

        BanditStatistics after = state.then(delta, gamma);

        double fade = gamma * gamma * gamma;
        assertThat(after.arms()).containsOnlyKeys("a", "b", "c");
        for (String arm : List.of("a", "b", "c")) {
            BanditStatistics.Arm s = state.arms().getOrDefault(arm, BanditStatistics.Arm.prior(DIM, LAMBDA));
            BanditStatistics.Arm d = delta.arms().getOrDefault(arm, BanditStatistics.Arm.prior(DIM, 0));
            BanditStatistics.Arm a = after.arms().get(arm);
            for (int i = 0; i < DIM; i++) {
                for (int j = 0; j < DIM; j++) {
                    double prior = i == j ? LAMBDA : 0;
                    assertThat(a.precision()[i][j]).as(arm + " precision")
                            .isCloseTo(prior + fade * (s.precision()[i][j] - prior) + d.precision()[i][j], within(1e-12));
                }
                assertThat(a.b()[i]).as(arm + " b").isCloseTo(fade * s.b()[i] + d.b()[i], within(1e-12));
            }
            assertThat(a.updates()).isEqualTo(s.updates() + d.updates());
        }
        assertThat(after.arms().get("b").updates()).isEqualTo(3);
        assertThat(after.arms().get("c").updates()).isEqualTo(1);
    }

    @Test
    void twoDeltasInSequenceAreOneDelta() {
        for (int seed = 0; seed < 40; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            double gamma = seed % 2 == 0 ? 1 : 0.9 + 0.1 * random.nextDouble();
            BanditStatistics state = BanditStatistics.prior(LAMBDA);
            BanditStatistics first = BanditStatistics.NO_CHANGE;
            BanditStatistics second = BanditStatistics.NO_CHANGE;
            BanditStatistics learned = state;
            int split = random.nextInt(30);
            for (int t = 0; t < 30; t++) {
                String arm = "arm" + random.nextInt(3);
                double[] x = context(random);
                double r = random.nextDouble();
                learned = learn(learned, gamma, arm, x, r);
                if (t < split) {
                    first = learn(first, gamma, arm, x, r);
                } else {
                    second = learn(second, gamma, arm, x, r);
                }
            }
            assertClose(state.then(first, gamma).then(second, gamma), learned);
            assertClose(state.then(first.then(second, gamma), gamma), learned);
        }
    }

    @Test
    void aStateIsItsDeltaFromThePrior() {
        SplittableRandom random = new SplittableRandom(3);
        BanditStatistics state = BanditStatistics.prior(LAMBDA);
        for (int t = 0; t < 20; t++) {
            state = learn(state, 0.95, "arm" + random.nextInt(2), context(random), random.nextDouble());
        }
        assertClose(BanditStatistics.prior(LAMBDA).then(state.sincePrior(), 0.95), state);
        assertThat(state.sincePrior().prior()).isZero();
    }

    @Test
    void aStateRoundTripsThroughJsonExactly() {
        BanditStatistics state = learn(learn(BanditStatistics.prior(LAMBDA), 0.99, "a", X, 0.3), 0.99, "b", X, 1);
        BanditStatistics read = BanditStatistics.fromJson(state.toJson(DIM), DIM, LAMBDA).orElseThrow();
        assertThat(read.toJson(DIM)).isEqualTo(state.toJson(DIM));
        assertThat(read.prior()).isEqualTo(LAMBDA);
        assertThat(BanditStatistics.fromJson(state.toJson(DIM), DIM + 1, LAMBDA)).isEmpty();
    }

    private static double[] context(SplittableRandom random) {
        double[] x = new double[DIM];
        for (int i = 0; i < DIM; i++) {
            x[i] = random.nextDouble(-1, 1);
        }
        return x;
    }

    private static void assertClose(BanditStatistics actual, BanditStatistics expected) {
        assertThat(actual.arms().keySet()).isEqualTo(expected.arms().keySet());
        assertThat(actual.steps()).isEqualTo(expected.steps());
        for (String name : expected.arms().keySet()) {
            BanditStatistics.Arm a = actual.arms().get(name);
            BanditStatistics.Arm e = expected.arms().get(name);
            assertThat(a.updates()).isEqualTo(e.updates());
            for (int i = 0; i < DIM; i++) {
                for (int j = 0; j < DIM; j++) {
                    assertThat(a.precision()[i][j]).isCloseTo(e.precision()[i][j], within(1e-9));
                }
                assertThat(a.b()[i]).isCloseTo(e.b()[i], within(1e-9));
            }
        }
    }
}
