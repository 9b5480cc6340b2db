package dev.iccache.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.ForwardingSharedState;
import dev.iccache.tenant.InMemorySharedState;
import dev.iccache.tenant.SharedState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bandits of several gateways kept in step through a shared state (docs/routing.md, "Shared router state"). */
class RouterSyncTest {
    private static final int DIM = 3;
    private static final List<String> ARMS = List.of("small", "medium", "large");

    @TempDir
    Path dir;

    /** One update of the stream the bandits learn. */
    private record Update(String arm, double[] x, double reward) {
        void teach(LinearThompsonBandit bandit) {
            bandit.update(arm, x, reward);
        }
    }

    private static LinearThompsonBandit bandit(double forgetting) {
        return new LinearThompsonBandit(DIM, 1, 0.3, forgetting);
    }

    private static double[] context(SplittableRandom random) {
        double[] x = new double[DIM];
        x[0] = 1;
        for (int i = 1; i < DIM; i++) {
            x[i] = random.nextDouble(-1, 1);
        }
        return x;
    }

    private static List<Update> updates(SplittableRandom random, int n) {
        return IntStream.range(0, n).mapToObj(i -> new Update(ARMS.get(random.nextInt(ARMS.size())),
                context(random), random.nextDouble())).toList();
    }

    /** The bandits agree on every arm's update count and, at random contexts, posterior mean (within 1e-9). */
    private static void assertSameBeliefs(LinearThompsonBandit actual, LinearThompsonBandit expected,
            SplittableRandom random) {
        for (String arm : ARMS) {
            assertThat(actual.updates(arm)).as(arm + " updates").isEqualTo(expected.updates(arm));
            for (int i = 0; i < 5; i++) {
                double[] x = context(random);
                assertThat(actual.mean(arm, x)).as(arm + " mean").isCloseTo(expected.mean(arm, x), within(1e-9));
            }
        }
    }

    @Test
    void withoutForgettingTwoGatewaysThatSyncBelieveWhatOneFedEveryUpdateWould() {
        for (int seed = 0; seed < 25; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            RouterSync sync = new RouterSync(new InMemorySharedState());
            LinearThompsonBandit one = bandit(1);
            LinearThompsonBandit a = bandit(1);
            LinearThompsonBandit b = bandit(1);
            for (Update u : updates(random, 60)) {
                u.teach(one);
                u.teach(random.nextBoolean() ? a : b);
                if (random.nextInt(8) == 0) {
                    assertThat(sync.sync("d", random.nextBoolean() ? a : b)).isTrue();
                }
            }
            // a pushes, b pushes and takes a's, a takes b's.
            sync.sync("d", a);
            sync.sync("d", b);
            sync.sync("d", a);
            assertSameBeliefs(a, one, random);
            assertSameBeliefs(b, one, random);
        }
    }

    @Test
    void withForgettingOneGatewayThatSyncsBelievesWhatItWouldAlone() {
        for (int seed = 0; seed < 25; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            double forgetting = 0.9 + 0.099 * random.nextDouble();
            RouterSync sync = new RouterSync(new InMemorySharedState());
            LinearThompsonBandit alone = bandit(forgetting);
            LinearThompsonBandit synced = bandit(forgetting);
            for (Update u : updates(random, 60)) {
                u.teach(alone);
                u.teach(synced);
                if (random.nextInt(6) == 0) {
                    assertThat(sync.sync("d", synced)).isTrue();
                }
            }
            sync.sync("d", synced);
            assertSameBeliefs(synced, alone, random);
        }
    }

    /** The update count of an arm in a domain's shared state, as a bandit loaded from it sees it. */
    private long sharedUpdates(SharedState shared, String domain, String arm) {
        LinearThompsonBandit reader = bandit(1);
        new RouterSync(shared).load(domain, reader, dir.resolve("absent.json"));
        return reader.updates(arm);
    }

    @Test
    void whatARoundCouldNotShareIsSharedOnceByTheNext() {
        ForwardingSharedState store = new ForwardingSharedState();
        RouterSync sync = new RouterSync(store);
        LinearThompsonBandit bandit = bandit(0.99);
        SplittableRandom random = new SplittableRandom(7);
        updates(random, 3).forEach(u -> u.teach(bandit));
        assertThat(sync.sync("d", bandit)).isTrue();
        long before = sharedUpdates(store.target, "d", "large");

        store.down = true;
        bandit.update("large", context(random), 1);
        assertThat(sync.sync("d", bandit)).as("the store is down").isFalse();
        bandit.update("large", context(random), 1);
        assertThat(sync.sync("d", bandit)).isFalse();
        assertThat(bandit.updates("large")).as("local learning goes on").isEqualTo(before + 2);
        assertThat(sharedUpdates(store.target, "d", "large")).isEqualTo(before);

        store.down = false;
        assertThat(sync.sync("d", bandit)).isTrue();
        assertThat(sync.sync("d", bandit)).isTrue();
        for (String arm : ARMS) {
            assertThat(sharedUpdates(store.target, "d", arm)).as(arm).isEqualTo(bandit.updates(arm));
        }
        assertThat(bandit.updates("large")).isEqualTo(before + 2);
    }

    @Test
    void aRoundThatLosesARaceReadsAgainAndLosesNoUpdate() {
        SharedState shared = new InMemorySharedState();
        RouterSync sync = new RouterSync(shared);
        LinearThompsonBandit a = bandit(1);
        LinearThompsonBandit b = bandit(1);
        a.update("small", new double[] {1, 0, 0}, 1);
        sync.sync("d", a);
        b.update("small", new double[] {1, 0, 0}, 0);
        a.update("small", new double[] {1, 0, 0}, 1);
        // b writes between a's read and a's compare-and-set.
        RouterSync racing = new RouterSync(new ForwardingSharedState(shared) {
            @Override
            public boolean replace(String domain, String name, UUID expected, String json) {
                if (b.updates("small") == 1) {
                    sync.sync("d", b);
                }
                return super.replace(domain, name, expected, json);
            }
        });
        assertThat(racing.sync("d", a)).isTrue();
        assertThat(a.updates("small")).isEqualTo(3);
        assertThat(sharedUpdates(shared, "d", "small")).isEqualTo(3);
    }

    @Test
    void aBanditLoadsTheSharedStateElseItsCheckpointWhichThenSeedsTheSharedState() {
        Path checkpoint = dir.resolve("router.json");
        LinearThompsonBandit local = bandit(1);
        local.update("large", new double[] {1, 0, 0}, 1);
        local.save(checkpoint);
        SharedState shared = new InMemorySharedState();
        RouterSync sync = new RouterSync(shared);

        LinearThompsonBandit first = bandit(1);
        sync.load("d", first, checkpoint);
        assertThat(first.updates("large")).as("no shared state: the checkpoint").isEqualTo(1);
        first.update("large", new double[] {1, 0, 0}, 1);
        sync.sync("d", first);
        assertThat(sharedUpdates(shared, "d", "large")).as("the checkpoint seeded the shared state").isEqualTo(2);

        LinearThompsonBandit second = bandit(1);
        sync.load("d", second, dir.resolve("absent.json"));
        assertThat(second.updates("large")).as("the shared state").isEqualTo(2);

        ForwardingSharedState down = new ForwardingSharedState();
        down.down = true;
        LinearThompsonBandit third = bandit(1);
        new RouterSync(down).load("d", third, checkpoint);
        assertThat(third.updates("large")).as("the store is down: the checkpoint").isEqualTo(1);
    }

    @Test
    void aRoundSharesWhatADomainDroppedFromMemoryLearnedThenForgetsIt() {
        SharedState shared = new InMemorySharedState();
        RouterSync sync = new RouterSync(shared);
        RouterSettings settings = RouterSettings.DEFAULT;
        LoadBias loadBias = new LoadBias(settings);
        List<LinearThompsonBandit> loaded = new ArrayList<>();
        DomainStates<Router> routers = new DomainStates<>(domain -> {
            LinearThompsonBandit bandit = bandit(1);
            sync.load(domain, bandit, dir.resolve(domain + ".json"));
            loaded.add(bandit);
            return new Router(settings, bandit, loadBias, new QualityGuard(0.4), new SplittableRandom(1), "large");
        }, (domain, router) -> router.bandit().save(dir.resolve(domain + ".json")), 1);
        Router.Arm large = new Router.Arm("large", false, 1, new double[] {1, 0, 0});
        routers.update("a", r -> r.learn(large, 1));
        routers.update("b", r -> r.learn(large, 1)); // drops a
        assertThat(routers.resident()).containsExactly("b");

        sync.sync(routers);
        assertThat(sharedUpdates(shared, "a", "large")).as("a's update, shared after a left memory").isEqualTo(1);
        assertThat(sharedUpdates(shared, "b", "large")).isEqualTo(1);
        loaded.get(0).update("large", new double[] {1, 0, 0}, 1);
        sync.sync(routers);
        assertThat(sharedUpdates(shared, "a", "large")).as("a's old bandit is no longer synced").isEqualTo(1);
    }
}
