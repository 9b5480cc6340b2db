package dev.iccache.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.testing.Eventually;
import dev.iccache.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MicroBatchingEmbedderTest extends EmbedderContract {
    private static final Duration FOREVER = Duration.ofHours(1);
    private static final ThreadFactory THREADS = Thread.ofPlatform().name("test-batcher").daemon().factory();

    // The contract shares one instance across tests; these are made fresh for each test.
    private FakeEmbedder fake;
    private List<MicroBatchingEmbedder> opened;
    /** Counts the worker's clock reads: it reads once when a batch starts and once per wait for more. */
    private AtomicInteger clockReads;
    private final Ticker countingTicker = () -> {
        clockReads.incrementAndGet();
        return Ticker.SYSTEM.nanoTime();
    };

    @Override
    protected Embedder createEmbedder() {
        return new MicroBatchingEmbedder(new FakeEmbedder(), 4, Duration.ofMillis(2), THREADS, Ticker.SYSTEM);
    }

    @BeforeEach
    void freshFake() {
        fake = new FakeEmbedder();
        opened = new ArrayList<>();
        clockReads = new AtomicInteger();
    }

    @AfterEach
    void closeOpened() {
        fake.release();
        opened.forEach(MicroBatchingEmbedder::close);
    }

    private MicroBatchingEmbedder batcher(int maxBatch, Duration maxWait) {
        MicroBatchingEmbedder b = new MicroBatchingEmbedder(fake, maxBatch, maxWait, THREADS, countingTicker);
        opened.add(b);
        return b;
    }

    private static CompletableFuture<List<float[]>> async(Embedder e, String... texts) {
        return CompletableFuture.supplyAsync(() -> e.embedAll(List.of(texts)),
                r -> Thread.ofVirtual().start(r));
    }

    /** Starts a call that the fake holds, so that later calls queue up behind it. */
    private CompletableFuture<List<float[]>> occupyWorker(MicroBatchingEmbedder b) throws InterruptedException {
        CountDownLatch started = fake.holdNextCall();
        CompletableFuture<List<float[]>> first = async(b, "first");
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        return first;
    }

    @Test
    void callsQueuedWhileTheDelegateRunsFormTheNextBatch() throws Exception {
        MicroBatchingEmbedder b = batcher(32, Duration.ZERO);
        CompletableFuture<List<float[]>> first = occupyWorker(b);
        List<CompletableFuture<List<float[]>>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(async(b, "text " + i));
        }
        assertThat(Eventually.holds(() -> b.queuedCalls() == 5)).isTrue();
        fake.release();

        assertThat(first.get(5, TimeUnit.SECONDS).get(0)).containsExactly(FakeEmbedder.unitVector("first"));
        for (int i = 0; i < 5; i++) {
            assertThat(calls.get(i).get(5, TimeUnit.SECONDS).get(0))
                    .containsExactly(FakeEmbedder.unitVector("text " + i));
        }
        assertThat(fake.batchSizes()).containsExactly(1, 5);
    }

    @Test
    void aBatchNeverHoldsMoreThanMaxBatchTexts() throws Exception {
        MicroBatchingEmbedder b = batcher(3, Duration.ZERO);
        CompletableFuture<List<float[]>> first = occupyWorker(b);
        List<CompletableFuture<List<float[]>>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(async(b, "text " + i));
        }
        assertThat(Eventually.holds(() -> b.queuedCalls() == 5)).isTrue();
        fake.release();
        first.get(5, TimeUnit.SECONDS);
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

        assertThat(fake.batchSizes()).containsExactly(1, 3, 2);
    }

    @Test
    void aCallThatDoesNotFitWaitsWholeForTheNextBatch() throws Exception {
        MicroBatchingEmbedder b = batcher(4, Duration.ZERO);
        CompletableFuture<List<float[]>> first = occupyWorker(b);
        CompletableFuture<List<float[]>> a = async(b, "a1", "a2", "a3");
        assertThat(Eventually.holds(() -> b.queuedCalls() == 1)).isTrue();
        CompletableFuture<List<float[]>> c = async(b, "c1", "c2", "c3");
        assertThat(Eventually.holds(() -> b.queuedCalls() == 2)).isTrue();
        fake.release();
        first.get(5, TimeUnit.SECONDS);

        assertThat(a.get(5, TimeUnit.SECONDS)).hasSize(3);
        assertThat(c.get(5, TimeUnit.SECONDS).get(2)).containsExactly(FakeEmbedder.unitVector("c3"));
        assertThat(fake.batches()).containsExactly(List.of("first"), List.of("a1", "a2", "a3"),
                List.of("c1", "c2", "c3"));
    }

    @Test
    void aLargeCallIsSplitIntoChunksAndAnsweredInOrder() {
        MicroBatchingEmbedder b = batcher(4, Duration.ZERO);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            texts.add("text " + i);
        }
        List<float[]> out = b.embedAll(texts);

        assertThat(fake.batchSizes()).containsExactly(4, 4, 2);
        for (int i = 0; i < 10; i++) {
            assertThat(out.get(i)).containsExactly(FakeEmbedder.unitVector("text " + i));
        }
    }

    @Test
    void aLongCallTakesTurnsWithTheCallsThatCameAfterIt() throws Exception {
        MicroBatchingEmbedder b = batcher(2, Duration.ZERO);
        CompletableFuture<List<float[]>> first = occupyWorker(b);
        CompletableFuture<List<float[]>> longCall = async(b, "l1", "l2", "l3", "l4", "l5", "l6");
        assertThat(Eventually.holds(() -> b.queuedCalls() == 1)).as("one chunk of it at a time").isTrue();
        CompletableFuture<List<float[]>> query = async(b, "q");
        assertThat(Eventually.holds(() -> b.queuedCalls() == 2)).isTrue();
        fake.release();
        first.get(5, TimeUnit.SECONDS);

        assertThat(query.get(5, TimeUnit.SECONDS).get(0)).containsExactly(FakeEmbedder.unitVector("q"));
        List<float[]> out = longCall.get(5, TimeUnit.SECONDS);
        assertThat(out.get(5)).containsExactly(FakeEmbedder.unitVector("l6"));
        assertThat(fake.batches()).as("the query waited for one chunk of the long call, not for all of it")
                .containsExactly(List.of("first"), List.of("l1", "l2"), List.of("q"), List.of("l3", "l4"),
                        List.of("l5", "l6"));
    }

    @Test
    void aFullBatchRunsWithoutWaitingForMaxWait() throws Exception {
        MicroBatchingEmbedder b = batcher(2, FOREVER);
        assertThat(b.embedAll(List.of("a", "b"))).hasSize(2);
        assertThat(clockReads).hasValue(1);

        CompletableFuture<List<float[]>> lone = async(b, "c");
        assertThat(Eventually.holds(() -> clockReads.get() == 3)).isTrue();
        assertThat(lone).isNotDone();
        assertThat(b.embed("d")).containsExactly(FakeEmbedder.unitVector("d"));
        assertThat(lone.get(5, TimeUnit.SECONDS).get(0)).containsExactly(FakeEmbedder.unitVector("c"));
        assertThat(fake.batches()).containsExactly(List.of("a", "b"), List.of("c", "d"));
    }

    @Test
    void aFailureReachesEveryCallerInTheBatch() throws Exception {
        MicroBatchingEmbedder b = batcher(3, FOREVER);
        IccacheException down = IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "embedding server down");
        fake.failNext(down);
        List<CompletableFuture<List<float[]>>> calls = List.of(async(b, "a"), async(b, "b"), async(b, "c"));

        for (CompletableFuture<List<float[]>> call : calls) {
            assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isSameAs(down);
        }
        assertThat(b.embedAll(List.of("x", "y", "z"))).hasSize(3);
    }

    @Test
    void closeLetsTheRunningBatchFinishAndFailsQueuedCalls() throws Exception {
        MicroBatchingEmbedder b = batcher(8, Duration.ZERO);
        CompletableFuture<List<float[]>> running = occupyWorker(b);
        CompletableFuture<List<float[]>> queued = async(b, "queued");
        assertThat(Eventually.holds(() -> b.queuedCalls() == 1)).isTrue();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(b::close, r -> Thread.ofVirtual().start(r));
        assertThat(Eventually.holds(() -> b.queuedCalls() == 2)).isTrue();
        assertThat(closing).isNotDone();
        fake.release();

        closing.get(5, TimeUnit.SECONDS);
        assertThat(running.get(5, TimeUnit.SECONDS).get(0)).containsExactly(FakeEmbedder.unitVector("first"));
        assertThatThrownBy(() -> queued.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(IccacheException.class)
                .hasMessageContaining("before this text was embedded");
        assertThatThrownBy(() -> b.embed("late")).isInstanceOf(IccacheException.class)
                .hasMessageContaining("closed");
        assertThat(fake.isClosed()).isTrue();
        assertThat(fake.batches()).containsExactly(List.of("first"));
    }

    @Test
    void closeFailsACallWaitingForMoreTexts() throws Exception {
        MicroBatchingEmbedder b = batcher(8, FOREVER);
        CompletableFuture<List<float[]>> waiting = async(b, "alone");
        assertThat(Eventually.holds(() -> clockReads.get() == 2)).isTrue();
        b.close();

        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(IccacheException.class)
                .hasMessageContaining("before this text was embedded");
        assertThat(fake.batches()).isEmpty();
    }

    @Test
    void aWorkerStoppedFromOutsideFailsWaitingAndLaterCalls() throws Exception {
        List<Thread> workers = new ArrayList<>();
        ThreadFactory capturing = r -> {
            Thread t = THREADS.newThread(r);
            workers.add(t);
            return t;
        };
        try (MicroBatchingEmbedder b = new MicroBatchingEmbedder(fake, 8, FOREVER, capturing, countingTicker)) {
            CompletableFuture<List<float[]>> waiting = async(b, "alone");
            assertThat(Eventually.holds(() -> clockReads.get() == 2)).isTrue();
            workers.get(0).interrupt();

            assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(IccacheException.class)
                    .hasMessageContaining("worker stopped");
            workers.get(0).join();
            assertThatThrownBy(() -> b.embed("later")).isInstanceOf(IccacheException.class);
        }
        assertThat(fake.isClosed()).isTrue();
    }

    @Test
    void theWorkerComesFromTheInjectedThreadFactory() {
        AtomicInteger made = new AtomicInteger();
        ThreadFactory counting = r -> {
            made.incrementAndGet();
            return THREADS.newThread(r);
        };
        try (MicroBatchingEmbedder b = new MicroBatchingEmbedder(fake, 4, Duration.ZERO, counting, Ticker.SYSTEM)) {
            b.embedAll(TEXTS);
            b.embedAll(TEXTS);
        }
        assertThat(made).hasValue(1);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new MicroBatchingEmbedder(fake, 0, Duration.ZERO, THREADS, Ticker.SYSTEM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBatch");
        assertThatThrownBy(() -> new MicroBatchingEmbedder(fake, 1, Duration.ofMillis(-1), THREADS, Ticker.SYSTEM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
    }
}
