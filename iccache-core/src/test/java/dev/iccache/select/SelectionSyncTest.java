package dev.iccache.select;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.bank.ExampleStats;
import dev.iccache.metrics.Metrics;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.ForwardingSharedState;
import dev.iccache.tenant.Lease;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Gateways sharing selection's learned state through one {@link dev.iccache.tenant.SharedState} (in memory): the
 * learner's utility model, τ and clusters reach the follower, which then scores every example exactly as the learner
 * does; the lease hands the learning over.
 */
class SelectionSyncTest {
    private static final String DOMAIN = "d";
    private static final String TARGET = "small";
    private static final double FLOOR = 0.45;
    private static final Duration TTL = Duration.ofSeconds(20);
    private static final ExampleStats FRESH = ExampleStats.fresh(Instant.EPOCH);
    /** The bank: 200 examples in 4 dimensions, so 14 clusters. */
    private static final List<float[]> BANK = bank();

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T01:00:00Z"));
    private final InstantSource clock = now::get;
    private final Metrics metrics = new Metrics();
    private final ForwardingSharedState shared = new ForwardingSharedState();

    private static List<float[]> bank() {
        SplittableRandom r = new SplittableRandom(7);
        List<float[]> bank = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            bank.add(new float[] {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian(),
                    (float) r.nextGaussian()});
        }
        return bank;
    }

    /** One gateway's selection state: its clusters fitted by itself, its domains from the prior. */
    private final class Gateway {
        final BankClusters clusters;
        final DomainStates<SelectionState> states = new DomainStates<>(d -> new SelectionState(
                new LearnedUtilityModel(FLOOR), new ThresholdTuner(0.505, new SplittableRandom(1))), (d, s) -> { }, 8);
        final SelectionSync sync;

        Gateway(String name, long seed) {
            clusters = new BankClusters(seed);
            clusters.refit(BANK, BANK.size());
            sync = new SelectionSync(shared, new Lease(shared, SelectionSync.JOB, name, TTL, clock, metrics), states,
                    clusters);
            states.get(DOMAIN);
        }

        UtilityFeatures features(int example) {
            return UtilityFeatures.of(0.6, Double.NaN, 7.17, 1, 200, 8192, FRESH, 50,
                    clusters.of("e" + example, BANK.get(example)), false, "e" + example);
        }

        double score(int example) {
            return states.get(DOMAIN).utility().score(features(example), TARGET);
        }

        List<Double> scores() {
            List<Double> scores = new ArrayList<>();
            for (int e = 0; e < BANK.size(); e++) {
                scores.add(score(e));
            }
            return scores;
        }

        double threshold() {
            return states.get(DOMAIN).tuner().threshold();
        }

        /**
         * Probes of single examples against none in a world where the examples of even clusters help and the others
         * hurt, and threshold probes where τ = 0.52 gains and the initial τ does not.
         */
        void probe(int fromExample, int examples) {
            for (int e = fromExample; e < fromExample + examples; e++) {
                UtilityFeatures f = features(e);
                double gain = helps(e) ? 0.9 : 0.2;
                states.update(DOMAIN, s -> s.utility().learn(List.of(f), List.of(), TARGET, gain));
                boolean high = e % 2 == 0;
                states.update(DOMAIN, s -> s.tuner().record(high ? 0.52 : 0.505, high ? 1 : 0.4));
            }
        }

        /** Whether an example helps, by its cluster in this gateway's fit. */
        boolean helps(int example) {
            return clusters.of("e" + example, BANK.get(example)) % 2 == 0;
        }

        /** Mean score of the helpful examples minus that of the others. */
        double separation() {
            double helpful = 0;
            double other = 0;
            int n = 0;
            for (int e = 0; e < BANK.size(); e++) {
                if (helps(e)) {
                    helpful += score(e);
                    n++;
                } else {
                    other += score(e);
                }
            }
            return helpful / n - other / (BANK.size() - n);
        }
    }

    @Test
    void theFollowerScoresAsTheLearnerDoesAfterASync() {
        Gateway a = new Gateway("a", 1);
        Gateway b = new Gateway("b", 2);
        assertThat(a.clusters.fitId()).as("each fitted its own clusters").isNotEqualTo(b.clusters.fitId());
        a.sync.sync();
        b.sync.sync();
        assertThat(a.sync.learning()).isTrue();
        assertThat(b.sync.learning()).as("a follower").isFalse();

        a.probe(0, 150);
        assertThat(a.threshold()).as("τ tuned").isEqualTo(0.52);
        assertThat(b.scores()).isNotEqualTo(a.scores());
        a.sync.sync();
        b.sync.sync();

        assertThat(b.clusters.fitId()).isEqualTo(a.clusters.fitId());
        assertThat(b.clusters.refit(BANK, 100 * BANK.size())).as("a follower fits no clusters of its own").isEmpty();
        assertThat(b.scores()).isEqualTo(a.scores());
        assertThat(b.threshold()).isEqualTo(0.52);
        assertThat(b.states.get(DOMAIN).tuner().probes()).isEqualTo(150);
        assertThat(a.separation()).as("what the learner learned").isGreaterThan(0.1);

        a.probe(150, 20);
        a.sync.sync();
        b.sync.sync();
        assertThat(b.scores()).as("and what it learns next").isEqualTo(a.scores());
        assertThat(b.states.get(DOMAIN).tuner().probes()).isEqualTo(170);
    }

    @Test
    void whenTheLearnerStopsAnotherTakesOverAndLearnsOnFromWhatItPublished() {
        Gateway a = new Gateway("a", 1);
        Gateway b = new Gateway("b", 2);
        a.sync.sync();
        b.sync.sync();
        a.probe(0, 150);
        a.sync.sync();
        b.sync.sync();
        double learned = b.separation();

        now.set(now.get().plus(TTL).plusSeconds(1)); // a stopped: its lease expired
        b.sync.sync();
        assertThat(b.sync.learning()).as("b took the lease over").isTrue();
        b.probe(150, 20);
        assertThat(b.states.get(DOMAIN).tuner().probes()).isEqualTo(170);
        assertThat(b.separation()).as("20 probes of 20 examples keep what 150 taught about all 200")
                .isGreaterThan(0.8 * learned);
        b.sync.sync();

        a.sync.sync();
        assertThat(a.sync.learning()).as("b holds the lease now").isFalse();
        assertThat(a.scores()).isEqualTo(b.scores());
        assertThat(a.states.get(DOMAIN).tuner().probes()).isEqualTo(170);
        assertThat(a.threshold()).isEqualTo(b.threshold());
    }

    @Test
    void aGatewayThatStartsLaterAdoptsWhatIsSharedAndAFailingStoreKeepsIt() {
        Gateway a = new Gateway("a", 1);
        a.sync.sync();
        a.probe(0, 150);
        a.sync.sync();

        Gateway c = new Gateway("c", 3);
        c.sync.sync();
        List<Double> adopted = c.scores();
        assertThat(adopted).isEqualTo(a.scores());

        shared.down = true;
        a.probe(150, 20);
        a.sync.sync();
        c.sync.sync();
        assertThat(c.sync.learning()).isFalse();
        assertThat(c.scores()).as("the state adopted last").isEqualTo(adopted).isNotEqualTo(a.scores());
        shared.down = false;
        a.sync.sync();
        c.sync.sync();
        assertThat(c.scores()).isEqualTo(a.scores());
    }
}
