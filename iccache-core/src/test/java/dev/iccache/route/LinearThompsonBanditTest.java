package dev.iccache.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinearThompsonBanditTest {
    private static final double[] X = {1, 0.5};

    /** Plays Thompson sampling between two arms with Bernoulli rewards; returns the share of "small" picks. */
    private static double play(LinearThompsonBandit bandit, SplittableRandom r, int rounds, double pSmall,
            double pLarge) {
        int small = 0;
        for (int i = 0; i < rounds; i++) {
            boolean pickSmall = bandit.sample("small", X, r) > bandit.sample("large", X, r);
            double p = pickSmall ? pSmall : pLarge;
            bandit.update(pickSmall ? "small" : "large", X, r.nextDouble() < p ? 1 : 0);
            if (pickSmall) {
                small++;
            }
        }
        return small / (double) rounds;
    }

    @Test
    void convergesToTheBetterArmAndReAdaptsAfterDrift() {
        SplittableRandom r = new SplittableRandom(11);
        LinearThompsonBandit bandit = new LinearThompsonBandit(2, 1, 0.3, 0.995);
        play(bandit, r, 1000, 0.3, 0.8);
        assertThat(play(bandit, r, 1000, 0.3, 0.8)).as("large is better: small share").isLessThan(0.15);
        assertThat(bandit.mean("large", X)).isCloseTo(0.8, within(0.1));
        // Drift: the small model is upgraded and now beats the large one.
        play(bandit, r, 1500, 0.9, 0.8);
        assertThat(play(bandit, r, 1000, 0.9, 0.8)).as("after drift: small share").isGreaterThan(0.6);
        assertThat(bandit.mean("small", X)).isCloseTo(0.9, within(0.1));
    }

    @Test
    void theMeanIsTheRidgeRegressionAndUncertaintyShrinksWithEvidence() {
        LinearThompsonBandit bandit = new LinearThompsonBandit(2, 1, 1, 1);
        double before = bandit.stddev("a", X);
        for (int i = 0; i < 200; i++) {
            bandit.update("a", X, 0.6);
        }
        assertThat(bandit.mean("a", X)).isCloseTo(0.6, within(0.01));
        assertThat(bandit.stddev("a", X)).isLessThan(before / 5);
        assertThat(bandit.updates("a")).isEqualTo(200);
        assertThat(bandit.mean("never", X)).isZero();
    }

    @Test
    void checkpointsRoundTrip() {
        LinearThompsonBandit bandit = new LinearThompsonBandit(2, 1, 1, 0.99);
        bandit.update("a", X, 1);
        bandit.update("a", new double[] {1, -1}, 0);
        LinearThompsonBandit copy = new LinearThompsonBandit(2, 1, 1, 0.99);
        assertThat(copy.restore(bandit.toJson())).isTrue();
        assertThat(copy.mean("a", X)).isEqualTo(bandit.mean("a", X));
        assertThat(copy.updates("a")).isEqualTo(2);
        assertThat(new LinearThompsonBandit(3, 1, 1, 1).restore(bandit.toJson())).isFalse();
    }

    @Test
    void aCorruptCheckpointFailsNamingTheFileAndSayingToMoveItAway(@TempDir Path dir) throws IOException {
        LinearThompsonBandit bandit = new LinearThompsonBandit(2, 1, 1, 1);
        Path file = dir.resolve("router.json");
        assertThat(bandit.restore(file)).isFalse();
        Files.writeString(file, "{\"dimension\": 2, \"arms\": {");
        assertThatThrownBy(() -> bandit.restore(file)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("router checkpoint " + file + " is not valid JSON")
                .hasMessageEndingWith("; move it away to start afresh")
                .hasMessageNotContaining("request body");
        Files.writeString(file, "");
        assertThatThrownBy(() -> bandit.restore(file))
                .hasMessage("router checkpoint " + file + " is empty; move it away to start afresh");
    }
}
