package dev.iccache.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.Json;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.ModelBackend;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.bank.StatsRecorder;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.embed.Embedder;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.JudgeBudget;
import dev.iccache.testing.Eventually;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.VirtualClock;
import dev.iccache.trace.Tracing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InContextAugmenterTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Tenant T = new Tenant("t", true);
    private static final BackendConfig SMALL = new BackendConfig("small", "http://127.0.0.1:1/v1", null, null,
            BackendRole.SMALL, 1, 8192, 0, 0, 0, 0, 0, 2, null, 0);
    private static final BackendConfig LARGE = new BackendConfig("large", "http://127.0.0.1:1/v1", null, null,
            BackendRole.LARGE, 7, 8192, 0, 0, 0, 0, 0, 2, null, 0);

    @TempDir
    Path dir;
    private final InMemoryExampleStore store = new InMemoryExampleStore();
    private final Metrics metrics = new Metrics();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean slow;
    private volatile boolean broken;

    private final Embedder embedder = new Embedder() {
        @Override
        public int dimension() {
            return 2;
        }

        @Override
        public List<float[]> embedAll(List<String> texts) {
            if (broken) {
                throw new IllegalStateException("embedder down");
            }
            if (slow) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return texts.stream().map(t -> new float[] {1, 0}).toList();
        }
    };

    @AfterEach
    void stop() {
        release.countDown();
        threads.shutdownNow();
        scheduler.shutdownNow();
    }

    /** An augmenter whose every domain starts from {@code model} (these tests use one domain). */
    private InContextAugmenter augmenter(LearnedUtilityModel model) {
        SelectionSettings fast = new SelectionSettings(true, 32, 5, 0.5, 0.95, 16, 512, 100, 0.45, 0.4, 10);
        ExampleSelector selector = new ExampleSelector(store, embedder, TokenCounter.cl100k(), fast,
                name -> Double.NaN, InstantSource.fixed(NOW), new BankClusters(1), Tracing.NOOP);
        LearnedFiles files = new LearnedFiles(dir);
        DomainStates<SelectionState> states = new DomainStates<>(domain -> new SelectionState(model,
                new ThresholdTuner(0.5, new SplittableRandom(1))), (domain, s) -> s.save(files, domain), 8);
        return new InContextAugmenter(selector, states, new StatsRecorder(store, InstantSource.fixed(NOW), scheduler,
                3_600_000), threads, Runnable::run, new SplittableRandom(2), new VirtualClock(), name -> 0.5, metrics,
                Tracing.NOOP);
    }

    private static ChatRequest request() {
        return ChatRequest.parse("{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\"2+2?\"}]}"
                .getBytes(StandardCharsets.UTF_8));
    }

    private void putExample() {
        store.put(new Example("e1", "t", "[{\"role\":\"user\",\"content\":\"1+1?\"}]", "1+1?", new float[] {1, 0},
                "2", "large", OptionalDouble.of(0.9), 5, 1, NOW, Optional.empty(), ExampleStats.fresh(NOW)));
    }

    @Test
    void smallModelsGetExamplesLargeOnesDoNot() {
        putExample();
        InContextAugmenter a = augmenter(new LearnedUtilityModel(0.45));
        InContextAugmenter.Augmented small = a.augment(request(), T, SMALL);
        assertThat(small.examples()).isEqualTo(1);
        assertThat(small.upstream().messages().get(0).path("content").asText()).contains("1+1?", "<request>");
        ChatRequest forLarge = request();
        InContextAugmenter.Augmented large = a.augment(forLarge, T, LARGE);
        assertThat(large.examples()).isZero();
        assertThat(large.upstream()).isSameAs(forLarge);
        assertThat(a.augment(request(), new Tenant("other", true), SMALL).examples()).isZero();
        assertThat(metrics.scrape()).contains("iccache_selection_total{outcome=\"examples\"} 1.0",
                "iccache_selection_total{outcome=\"none\"} 1.0");
    }

    @Test
    void aFailingOrSlowSelectionIsBypassed() {
        putExample();
        InContextAugmenter a = augmenter(new LearnedUtilityModel(0.45));
        broken = true;
        ChatRequest original = request();
        InContextAugmenter.Augmented failed = a.augment(original, T, SMALL);
        assertThat(failed.bypassed()).isTrue();
        assertThat(failed.upstream()).isSameAs(original);
        broken = false;
        slow = true;
        InContextAugmenter.Augmented timedOut = a.augment(request(), T, SMALL);
        assertThat(timedOut.bypassed()).isTrue();
        assertThat(timedOut.examples()).isZero();
        assertThat(metrics.scrape()).contains("iccache_selection_total{outcome=\"bypass\"} 2.0");
    }

    @Test
    void probesTeachTheUtilityModelWhileJudgmentsAndRatingsOnlyFeedOffloadsAndReplayGain() {
        putExample();
        LearnedUtilityModel model = new LearnedUtilityModel(0.45);
        InContextAugmenter a = augmenter(model);
        InContextAugmenter.Augmented served = a.augment(request(), T, SMALL);
        a.served("resp-1", T, "small", served);
        InContextAugmenter.Used used = a.explain("resp-1").orElseThrow();
        assertThat(used.selection().chosen()).hasSize(1);
        assertThat(a.feedback("resp-1", false)).isTrue();
        assertThat(a.feedback("resp-1", false)).as("once per response").isFalse();
        assertThat(a.feedback("unknown", false)).isFalse();
        a.judged(used, 0.8);
        assertThat(model.labels("small")).as("ratings and judgments against the large model teach no utility").isZero();
        a.probed(T.domain(), "small", used.selection().scored(), List.of(), 0.9);
        a.thresholdProbed(T.domain(), 0.5, 0.9);
        assertThat(model.labels("small")).isEqualTo(1);
        assertThat(a.tuner(T.domain()).probes()).isEqualTo(1);
        a.close();
        ExampleStats stats = store.get("e1").orElseThrow().stats();
        assertThat(stats.uses()).isEqualTo(1);
        assertThat(stats.wins()).as("the probe of this example alone: it helped").isEqualTo(1);
        assertThat(stats.decayedOffloads()).as("the judged answer won against the large model").isEqualTo(1);
        assertThat(stats.replayGainEma()).as("G(e) samples: (1 - 0) x 0.5 from the rating, then (1 - 0.8) x 0.5 from "
                + "the judgment, the latest of one batch").isCloseTo(0.1, within(1e-9));
        LearnedFiles files = new LearnedFiles(dir);
        assertThat(LearnedUtilityModel.load(files.file("t", LearnedFiles.UTILITY_MODEL), 0.45).labels("small"))
                .isEqualTo(1);
        ThresholdTuner restored = new ThresholdTuner(0.5, new SplittableRandom(1));
        restored.load(files.file("t", LearnedFiles.THRESHOLD));
        assertThat(restored.probes()).isEqualTo(1);
    }

    /**
     * A model that expects no candidate to pass any τ the tuner tries (floor above every
     * similarity): a threshold probe records its τ's tie without a judgment and tests the best
     * candidates against none instead of judging nothing, so such a model can still learn that
     * examples help.
     */
    @Test
    void aThresholdThatSelectsNothingProbesTheBestCandidatesAgainstNone() {
        putExample();
        InContextAugmenter a = augmenter(new LearnedUtilityModel(1.2));
        InContextAugmenter.Augmented served = a.augment(request(), T, SMALL);
        assertThat(served.examples()).isZero();
        a.served("resp-1", T, "small", served);
        Selection selection = a.explain("resp-1").orElseThrow().selection();
        SelectionProbe probe = new SelectionProbe(a, (r, x, y) -> OptionalDouble.empty(), new SplittableRandom(5),
                metrics);
        for (int i = 0; i < 40; i++) {
            SelectionProbe.Plan plan = probe.plan(T.domain(), selection);
            assertThat(plan.needsJudgment()).isTrue();
            assertThat(plan.examples()).extracting(s -> s.candidate().exampleId()).containsExactly("e1");
            assertThat(plan.against()).isEmpty();
        }
        long ties = a.tuner(T.domain()).probes();
        assertThat(ties).as("threshold probes among 40, each a tie for its τ").isBetween(3L, 20L);
        assertThat(metrics.scrape()).contains("iccache_selection_probes_total{kind=\"threshold\",outcome=\"free\"} "
                + ties + ".0");
    }

    /**
     * Online probes run on spare capacity only: while a client's request waits for the small
     * model's one slot, a probe is left out (counted busy, no model call); once nothing waits, it
     * runs.
     */
    @Test
    void explorationWaitsForSpareCapacityOnTheSmallModel() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ExplorerSetup setup = explorerSetup(request -> {
            if (calls.incrementAndGet() == 1) {
                entered.countDown();
                try {
                    done.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            ObjectNode body = Json.object();
            body.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", "4");
            return new ChatResponse(body);
        }, true);
        BoundedBackend small = setup.small();
        SelectionExplorer explorer = setup.explorer();
        Selection selection = setup.selection();
        CompletableFuture<ChatResponse> running = CompletableFuture.supplyAsync(() -> small.complete(request()), threads);
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<ChatResponse> waiting = CompletableFuture.supplyAsync(() -> small.complete(request()), threads);
        assertThat(Eventually.holds(() -> small.load().queued() == 1)).isTrue();

        explorer.served(request(), small, selection, T.domain());
        assertThat(calls.get()).as("only the client's call reached the model").isEqualTo(1);
        assertThat(metrics.scrape()).containsPattern("iccache_selection_probes_total\\{kind=\"\\w+\",outcome=\"busy\"} 1.0");

        done.countDown();
        running.get(10, TimeUnit.SECONDS);
        waiting.get(10, TimeUnit.SECONDS);
        explorer.served(request(), small, selection, T.domain());
        assertThat(calls.get()).as("the clients' two calls and the probe's two").isEqualTo(4);
        assertThat(metrics.scrape()).containsPattern("iccache_selection_probes_total\\{kind=\"\\w+\",outcome=\"judged\"} 1.0");
    }

    /** A follower (another gateway learns selection) draws no probe: no model call, no free threshold probe. */
    @Test
    void aFollowerDoesNotProbe() {
        AtomicInteger calls = new AtomicInteger();
        ExplorerSetup setup = explorerSetup(request -> {
            calls.incrementAndGet();
            throw new UnsupportedOperationException();
        }, false);

        for (int i = 0; i < 20; i++) {
            setup.explorer().served(request(), setup.small(), setup.selection(), T.domain());
        }
        assertThat(calls.get()).isZero();
        assertThat(setup.augmenter().tuner(T.domain()).probes()).isZero();
        assertThat(metrics.scrape())
                .contains("iccache_selection_probes_total{kind=\"none\",outcome=\"follower\"} 20.0");
    }

    /** A selection served for {@code request()}, the small model answering with {@code answer}, and an explorer. */
    private record ExplorerSetup(InContextAugmenter augmenter, Selection selection, BoundedBackend small,
            SelectionExplorer explorer) {
    }

    /** @param learning whether this gateway learns selection (else another one does: a follower) */
    private ExplorerSetup explorerSetup(Function<ChatRequest, ChatResponse> answer, boolean learning) {
        putExample();
        InContextAugmenter a = augmenter(new LearnedUtilityModel(0.45));
        a.served("resp-1", T, "small", a.augment(request(), T, SMALL));
        Selection selection = a.explain("resp-1").orElseThrow().selection();
        ModelBackend model = new ModelBackend() {
            @Override
            public BackendConfig config() {
                return new BackendConfig("small", "http://127.0.0.1:1/v1", null, null, BackendRole.SMALL, 1, 8192, 1,
                        30_000, 0, 0, 0, 2, null, 0);
            }

            @Override
            public ChatResponse complete(ChatRequest request) {
                return answer.apply(request);
            }

            @Override
            public ChatStream stream(ChatRequest request) {
                throw new UnsupportedOperationException();
            }
        };
        BoundedBackend small = new BoundedBackend(model, new VirtualClock(), new BackendMetrics(metrics));
        SelectionExplorer explorer = new SelectionExplorer(new SelectionProbe(a, (r, x, y) -> OptionalDouble.of(1),
                new SplittableRandom(5), metrics), new JudgeBudget(600, new VirtualClock()), Runnable::run,
                () -> learning);
        return new ExplorerSetup(a, selection, small, explorer);
    }
}
