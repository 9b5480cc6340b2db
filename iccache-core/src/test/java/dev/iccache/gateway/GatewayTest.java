package dev.iccache.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.DecisionLimits;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.JudgeBudget;
import dev.iccache.route.LinearThompsonBandit;
import dev.iccache.route.LoadBias;
import dev.iccache.route.QualityGuard;
import dev.iccache.route.RequestFeatures;
import dev.iccache.route.Router;
import dev.iccache.route.RouterSettings;
import dev.iccache.select.SelectionSettings;
import dev.iccache.select.SimilarityUtility;
import dev.iccache.select.TokenCounter;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.Ticker;
import dev.iccache.time.VirtualClock;
import dev.iccache.trace.Tracing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayTest {
    private final IccacheConfig config = IccacheConfig.embeddedDefault();
    private final Gateway gateway = new Gateway(config, config.backends().stream().map(this::bounded).toList(),
            Optional.empty(), Optional.empty(), Optional.empty(), new Metrics());

    private BoundedBackend bounded(BackendConfig b) {
        VirtualClock clock = new VirtualClock();
        return new BoundedBackend(new SimulatedBackend(b, SimProfile.named(b.simulated()), clock,
                InstantSource.system(), 1, 1), clock, new BackendMetrics(new Metrics()));
    }

    private static ChatRequest request(String model) {
        return ChatRequest.parse(("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theVirtualModelGoesToTheDefaultModel() {
        Route r = gateway.route(request("iccache"), Tenant.DEFAULT);
        assertThat(r.backend().config().name()).isEqualTo("sim-large");
        assertThat(r.reason()).isEqualTo("default");
        assertThat(r.examples()).isZero();
    }

    @Test
    void aBackendModelIsPinned() {
        Route r = gateway.route(request("sim-small"), Tenant.DEFAULT);
        assertThat(r.backend().config().name()).isEqualTo("sim-small");
        assertThat(r.reason()).isEqualTo("pinned");
    }

    @Test
    void anUnknownModelIs404WithTheAvailableModels() {
        assertThatThrownBy(() -> gateway.route(request("gpt-17"), Tenant.DEFAULT)).isInstanceOfSatisfying(IccacheException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND);
            assertThat(e.code()).hasValue("model_not_found");
            assertThat(e.getMessage()).contains("iccache", "sim-small", "sim-large");
        });
    }

    @Test
    void aFailingRouterIsBypassedToTheDefaultModel() {
        Metrics metrics = new Metrics();
        Embedder broken = new Embedder() {
            @Override
            public int dimension() {
                return 384;
            }

            @Override
            public List<float[]> embedAll(List<String> texts) {
                throw new IllegalStateException("injected failure");
            }
        };
        Route r = routed(config, broken, metrics).route(request("iccache"), Tenant.DEFAULT);
        assertThat(r.reason()).isEqualTo("bypass");
        assertThat(r.shed()).as("a failure is not a shed request: its answer may still become an example").isFalse();
        assertThat(r.backend().config().name()).isEqualTo("sim-large");
        assertThat(metrics.scrape()).contains("iccache_bypass_total{component=\"router\"} 1.0");
    }

    @Test
    void aRequestBeyondTheDecisionsThatMayWaitIsBypassedAtOnce() throws Exception {
        Metrics metrics = new Metrics();
        BlockingEmbedder slow = new BlockingEmbedder();
        Gateway gateway = routed(config.toBuilder().decisions(new DecisionLimits(1, 0, 60_000)).build(), slow, metrics);
        CompletableFuture<Route> first = CompletableFuture.supplyAsync(
                () -> gateway.route(request("iccache"), Tenant.DEFAULT), r -> Thread.ofVirtual().start(r));
        assertThat(slow.embedding.await(30, TimeUnit.SECONDS)).isTrue();
        Route second = gateway.route(request("iccache"), Tenant.DEFAULT);
        assertThat(second.reason()).isEqualTo("bypass");
        assertThat(second.shed()).as("not decided, so not admitted either").isTrue();
        assertThat(second.backend().config().name()).isEqualTo("sim-large");
        assertThat(metrics.scrape()).contains("iccache_bypass_total{component=\"overload\"} 1.0");
        slow.release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).satisfies(r -> {
            assertThat(r.reason()).isEqualTo("routed");
            assertThat(r.shed()).isFalse();
        });
        assertThat(gateway.route(request("iccache"), Tenant.DEFAULT).reason()).as("the slot is free again")
                .isEqualTo("routed");
    }

    @Test
    void aRequestPinnedToASmallModelBeyondTheDecisionsThatMayWaitGoesWithoutExamples(@TempDir Path dir)
            throws Exception {
        Metrics metrics = new Metrics();
        BlockingEmbedder slow = new BlockingEmbedder();
        SelectionSettings d = SelectionSettings.DEFAULT;
        // No selection time limit that a busy machine could hit: the first request holds its slot until released.
        IccacheConfig limited = config.toBuilder().decisions(new DecisionLimits(1, 0, 60_000))
                .selection(new SelectionSettings(d.enabled(), d.candidates(), d.maxExamples(), d.threshold(),
                        d.diversity(), d.maxMessages(), d.outputReserveTokens(), 60_000, d.minSimilarity(),
                        d.explorationShare(), d.syncSeconds())).build();
        ExecutorService selectionThreads = Executors.newVirtualThreadPerTaskExecutor();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Assembly.Runtime rt = new Assembly.Runtime(InstantSource.system(), Ticker.SYSTEM, scheduler,
                    selectionThreads, Runnable::run, Runnable::run, 1);
            var augmenter = Assembly.augmenter(limited, new InMemoryExampleStore(), slow,
                    file -> new SimilarityUtility(0.45), new LearnedFiles(dir), rt, metrics);
            Gateway gateway = new Gateway(limited, limited.backends().stream().map(this::bounded).toList(),
                    Optional.of(augmenter), Optional.empty(), Optional.empty(), metrics);
            CompletableFuture<Route> first = CompletableFuture.supplyAsync(
                    () -> gateway.route(request("sim-small"), Tenant.DEFAULT), r -> Thread.ofVirtual().start(r));
            assertThat(slow.embedding.await(30, TimeUnit.SECONDS)).isTrue();
            Route second = gateway.route(request("sim-small"), Tenant.DEFAULT);
            assertThat(second.reason()).isEqualTo("bypass");
            assertThat(second.shed()).isTrue();
            assertThat(second.backend().config().name()).isEqualTo("sim-small");
            assertThat(second.examples()).isZero();
            assertThat(metrics.scrape()).contains("iccache_bypass_total{component=\"overload\"} 1.0");
            assertThat(gateway.route(request("sim-large"), Tenant.DEFAULT).reason())
                    .as("a large model needs no decision").isEqualTo("pinned");
            slow.release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS).reason()).isEqualTo("pinned");
        } finally {
            slow.release.countDown();
            selectionThreads.shutdownNow();
            scheduler.shutdownNow();
        }
    }

    /**
     * Embeds every text as the same unit vector; its first call says it began ({@link #embedding}) and waits for
     * {@link #release}, later calls answer at once.
     */
    private static final class BlockingEmbedder implements Embedder {
        final CountDownLatch embedding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean first = new AtomicBoolean(true);

        @Override
        public int dimension() {
            return 384;
        }

        @Override
        public List<float[]> embedAll(List<String> texts) {
            if (first.getAndSet(false)) {
                embedding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            float[] v = new float[384];
            v[0] = 1;
            return texts.stream().map(t -> v).toList();
        }
    }

    /** A gateway that routes the virtual model with a fresh router, embedding with {@code embedder}. */
    private Gateway routed(IccacheConfig config, Embedder embedder, Metrics metrics) {
        RouterSettings settings = RouterSettings.DEFAULT;
        LoadBias loadBias = new LoadBias(settings);
        DomainStates<Router> routers = new DomainStates<>(domain -> new Router(settings,
                new LinearThompsonBandit(RequestFeatures.ARM_DIMENSION, 1, 0.3, 0.999), loadBias, new QualityGuard(0.4),
                new SplittableRandom(1), "sim-large"), (domain, router) -> { }, 1);
        ModelRouting routing = new ModelRouting(routers, loadBias, embedder, TokenCounter.cl100k(),
                (q, a, b) -> OptionalDouble.empty(), new JudgeBudget(30, System::nanoTime), Runnable::run, "sim-large",
                metrics, Tracing.NOOP);
        return new Gateway(config, config.backends().stream().map(this::bounded).toList(), Optional.empty(),
                Optional.of(routing), Optional.empty(), metrics);
    }

    @Test
    void everyConfiguredBackendNeedsAnInstance() {
        assertThatThrownBy(() -> new Gateway(config, List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                new Metrics())).isInstanceOf(IllegalArgumentException.class);
    }
}
