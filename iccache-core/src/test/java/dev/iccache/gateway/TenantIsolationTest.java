package dev.iccache.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.ChatRequest;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.ModelBackend;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.TenantConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.Judge;
import dev.iccache.route.Router;
import dev.iccache.route.RouterSettings;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.LearnedUtilityModel;
import dev.iccache.select.Selection;
import dev.iccache.select.SelectionSettings;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Tenant;
import dev.iccache.tenant.TenantResolver;
import dev.iccache.time.VirtualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.iccache.testing.ScriptedBackend;

/**
 * Learned state stays within its domain (issue 15, finding 3: one tenant's thumbs-down moved another
 * tenant's best example below τ): tenant b's probes, judgments and ratings teach b's domain, which c
 * shares, and leave tenant a's selection and routing as they were.
 */
class TenantIsolationTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final int DIM = 8;
    private static final BackendConfig SMALL = new BackendConfig("small", null, "small", null, BackendRole.SMALL, 1,
            8192, 8, 0, 0, 0, 0, 0, "small", 1);
    private static final BackendConfig LARGE = new BackendConfig("large", null, "large", null, BackendRole.LARGE, 7,
            8192, 8, 0, 0, 0, 0, 0, "large", 1);

    @TempDir
    Path dir;
    private final CountDownLatch release = new CountDownLatch(1);
    /** Kept busy until the test ends, so that no periodic work (statistics flushes) runs during it. */
    private final ScheduledExecutorService held = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService selectionThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final InMemoryExampleStore store = new InMemoryExampleStore();
    private final Metrics metrics = new Metrics();
    private final IccacheConfig config = IccacheConfig.builder().virtualModel("iccache").defaultModel("large")
            .backends(List.of(SMALL, LARGE))
            .tenants(List.of(new TenantConfig("a", "KEY_A", true), new TenantConfig("b", "KEY_B", true, "shared", 0),
                    new TenantConfig("c", "KEY_C", true, "shared", 0)))
            // No time limit that a busy machine could hit: every selection completes.
            .selection(new SelectionSettings(true, 32, 5, 0.505, 0.95, 16, 512, 60_000, 0.45, 0.4, 10))
            // A judge budget that never runs out: every response gets its probe and its shadow run.
            .router(new RouterSettings(true, 0.3, 0.999, 20, 0.1, 0.05, 0.8, 0.2, 1.0, 4, null, 1_000_000, 0.4, 0.2, 0, 2))
            .build();
    private final TenantResolver tenants = new TenantResolver(config.tenants(), k -> k.toLowerCase());
    private final Tenant a = tenants.resolve(Optional.of("Bearer key_a"));
    private final Tenant b = tenants.resolve(Optional.of("Bearer key_b"));
    private final Tenant c = tenants.resolve(Optional.of("Bearer key_c"));

    @AfterEach
    void stop() {
        release.countDown();
        held.shutdownNow();
        selectionThreads.shutdownNow();
    }

    private static float[] unit(double along, int other) {
        float[] v = new float[DIM];
        v[0] = (float) along;
        v[other] = (float) Math.sqrt(1 - along * along);
        return v;
    }

    private void example(String id, String tenant, float[] v, String response) {
        String q = "question " + id;
        store.put(new Example(id, tenant, "[{\"role\":\"user\",\"content\":\"" + q + "\"}]", q, v, response, "large",
                OptionalDouble.empty(), 5, 5, NOW, Optional.empty(), ExampleStats.fresh(NOW)));
    }

    private static ChatRequest request(String model, String text) {
        return ChatRequest.parse(("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + text + "\"}]}").getBytes(StandardCharsets.UTF_8));
    }

    /** Answers "hurt" when its prompt holds a near example, "helped" with only far ones, else what it is. */
    private static ModelBackend model(BackendConfig config) {
        return ScriptedBackend.of(config, prompt -> prompt.contains("resp-near") ? "hurt"
                : prompt.contains("resp-far") ? "helped" : config.name());
    }

    private static double score(String answer) {
        return answer.equals("helped") ? 3 : answer.equals("hurt") ? -3 : 0;
    }

    private Gateway gateway() throws InterruptedException {
        CountDownLatch busy = new CountDownLatch(1);
        held.execute(() -> {
            busy.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        busy.await();
        VirtualClock ticker = new VirtualClock();
        Assembly.Runtime rt = new Assembly.Runtime(() -> NOW, ticker, held, selectionThreads, Runnable::run,
                Runnable::run, 7);
        Embedder embedder = new Embedder() {
            @Override
            public int dimension() {
                return DIM;
            }

            @Override
            public List<float[]> embedAll(List<String> texts) {
                return texts.stream().map(t -> unit(1, 1)).toList();
            }
        };
        Judge judge = (request, first, second) -> OptionalDouble.of(Math.max(-3, Math.min(3,
                score(first) - score(second))));
        LearnedFiles files = new LearnedFiles(dir);
        InContextAugmenter augmenter = Assembly.augmenter(config, store, embedder,
                file -> Assembly.utilityModel(config, file), files, rt, metrics);
        ModelRouting routing = Assembly.routing(config, embedder, judge, files, rt, metrics);
        List<BoundedBackend> backends = List.of(SMALL, LARGE).stream().map(bc -> new BoundedBackend(model(bc), ticker,
                new BackendMetrics(metrics))).toList();
        return new Gateway(config, backends, Optional.of(augmenter), Optional.of(routing),
                Optional.of(Assembly.explorer(config, augmenter, judge, rt, metrics)), metrics);
    }

    private static Map<String, Double> utilities(Route route) {
        Selection s = route.augmented().selection().orElseThrow();
        return s.decisions().stream().collect(Collectors.toMap(Selection.Decision::exampleId,
                Selection.Decision::utility));
    }

    private static List<String> chosen(Route route) {
        return route.augmented().selection().orElseThrow().chosen().stream().map(Selection.Chosen::exampleId).toList();
    }

    private void bank() {
        example("a-1", "a", unit(0.95, 1), "resp-near-a");
        for (int k = 0; k < 3; k++) {
            example("b-near-" + k, "b", unit(0.95, 2 + k), "resp-near-b" + k);
            example("b-far-" + k, "b", unit(0.6, 5 + k), "resp-far-b" + k);
        }
        example("c-1", "c", unit(0.95, 7), "resp-near-c");
    }

    @Test
    void oneTenantsProbesAndThumbsDownLeaveAnotherDomainsSelectionAsItWas() throws Exception {
        bank();
        Gateway gateway = gateway();
        Route aBefore = gateway.route(request("small", "question of a"), a);
        Route cBefore = gateway.route(request("small", "question of c"), c);
        assertThat(chosen(aBefore)).containsExactly("a-1");
        for (int i = 0; i < 70; i++) {
            ChatRequest q = request("small", "question " + i + " of b");
            Route r = gateway.route(q, b);
            gateway.served("resp-b-" + i, b, r, q, "hurt");
            assertThat(gateway.feedback("resp-b-" + i, b, false)).isTrue();
        }
        Route aAfter = gateway.route(request("small", "question of a"), a);
        assertThat(utilities(aAfter)).as("a's utilities").isEqualTo(utilities(aBefore));
        assertThat(chosen(aAfter)).as("a keeps its example").containsExactly("a-1");
        assertThat(aAfter.augmented().selection().orElseThrow().threshold()).isEqualTo(
                aBefore.augmented().selection().orElseThrow().threshold());
        Route cAfter = gateway.route(request("small", "question of c"), c);
        assertThat(utilities(cAfter)).as("c shares b's domain, and what b's probes taught")
                .isNotEqualTo(utilities(cBefore));

        InContextAugmenter augmenter = gateway.augmenter().orElseThrow();
        assertThat(((LearnedUtilityModel) augmenter.utility(a.domain())).labels("small")).isZero();
        assertThat(augmenter.tuner(a.domain()).probes()).isZero();
        assertThat(((LearnedUtilityModel) augmenter.utility(b.domain())).labels("small")).isPositive();
        assertThat(augmenter.utility(c.domain())).isSameAs(augmenter.utility(b.domain()));
        assertThat(augmenter.states().resident()).containsExactlyInAnyOrder("a", "shared");
    }

    @Test
    void routerStatisticsArePerDomain() throws Exception {
        bank();
        Gateway gateway = gateway();
        Route aBefore = gateway.route(request("iccache", "question of a"), a);
        Map<String, Double> before = estimates(gateway, a, aBefore);
        Route cBefore = gateway.route(request("iccache", "question of c"), c);
        Map<String, Double> cEstimatesBefore = estimates(gateway, c, cBefore);
        for (int i = 0; i < 70; i++) {
            ChatRequest q = request("iccache", "question " + i + " of b");
            Route r = gateway.route(q, b);
            gateway.served("resp-b-" + i, b, r, q, r.backend().config().name());
            assertThat(gateway.feedback("resp-b-" + i, b, false)).isTrue();
        }
        assertThat(estimates(gateway, a, aBefore)).as("a's router estimates").isEqualTo(before);
        assertThat(estimates(gateway, c, cBefore)).as("c shares b's domain").isNotEqualTo(cEstimatesBefore);

        DomainStates<Router> routers = gateway.routing().orElseThrow().routers();
        Router aRouter = routers.get(a.domain());
        Router shared = routers.get(b.domain());
        assertThat(aRouter.bandit().updates("small") + aRouter.bandit().updates("large")).isZero();
        assertThat(aRouter.guard().estimate()).as("no judgment reached a's quality guard").isNaN();
        assertThat(shared.bandit().updates("large")).isPositive();
        assertThat(shared.guard().estimate()).isNotNaN();
        assertThat(routers.get(c.domain())).isSameAs(shared);
    }

    @Test
    void anUnreadableCheckpointTakesSelectionAwayFromItsDomainOnly() throws Exception {
        bank();
        Path broken = new LearnedFiles(dir).file("shared", LearnedFiles.UTILITY_MODEL);
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, "{");
        Gateway gateway = gateway();
        Route bRoute = gateway.route(request("small", "question of b"), b);
        assertThat(bRoute.reason()).isEqualTo("bypass");
        assertThat(bRoute.examples()).isZero();
        Route aRoute = gateway.route(request("small", "question of a"), a);
        assertThat(aRoute.reason()).isEqualTo("pinned");
        assertThat(chosen(aRoute)).containsExactly("a-1");
    }

    /** The router's estimate of each arm of a routed request, as the tenant's router sees it now. */
    private static Map<String, Double> estimates(Gateway gateway, Tenant tenant, Route route) {
        Router router = gateway.routing().orElseThrow().routers().get(tenant.domain());
        return route.plan().orElseThrow().arms().values().stream().collect(Collectors.toMap(
                Router.Arm::model, router::estimate));
    }
}
