package dev.iccache.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.testing.Eventually;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CachingEmbedderTest extends EmbedderContract {
    @Override
    protected Embedder createEmbedder() {
        return new CachingEmbedder(new FakeEmbedder(), 100);
    }

    @Test
    void onlyMissingTextsReachTheDelegateInOneBatch() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            cache.embedAll(List.of("a", "b"));
            List<float[]> out = cache.embedAll(List.of("a", "c", "b", "d"));

            assertThat(fake.batches()).containsExactly(List.of("a", "b"), List.of("c", "d"));
            assertThat(out).hasSize(4);
            assertThat(out.get(1)).containsExactly(FakeEmbedder.unitVector("c"));
            assertThat(out.get(2)).containsExactly(FakeEmbedder.unitVector("b"));
            assertThat(cache.hitCount()).isEqualTo(2);
            assertThat(cache.missCount()).isEqualTo(4);
        }
    }

    @Test
    void aFullyCachedCallDoesNotReachTheDelegate() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            cache.embed("hello");
            cache.embed("hello");
            assertThat(fake.batchSizes()).containsExactly(1);
            assertThat(cache.hitCount()).isEqualTo(1);
        }
    }

    @Test
    void repeatsWithinOneCallAreEmbeddedOnce() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            List<float[]> out = cache.embedAll(List.of("x y", "x  y", "z", "x y"));
            assertThat(fake.batches()).containsExactly(List.of("x y", "z"));
            assertThat(out.get(0)).containsExactly(out.get(1)).containsExactly(out.get(3));
        }
    }

    @Test
    void keysIgnoreOuterAndRepeatedWhitespaceAndUnicodeFormButKeepCase() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            cache.embed("caf\u00e9 au lait");
            cache.embed("  cafe\u0301\tau \n lait \u00a0");
            cache.embed("Caf\u00e9 au lait");
            assertThat(fake.batches()).containsExactly(List.of("caf\u00e9 au lait"), List.of("Caf\u00e9 au lait"));
        }
    }

    @Test
    void normaliseTrimsCollapsesAndComposes() {
        assertThat(CachingEmbedder.normalise("  a \t\n b  ")).isEqualTo("a b");
        assertThat(CachingEmbedder.normalise("e\u0301")).isEqualTo("\u00e9");
        assertThat(CachingEmbedder.normalise(" \u2003 ")).isEmpty();
        assertThat(CachingEmbedder.normalise("Keep Case")).isEqualTo("Keep Case");
    }

    @Test
    void theCacheHoldsAtMostItsCapacity() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 3)) {
            for (int i = 0; i < 50; i++) {
                cache.embed("text " + i);
                assertThat(cache.size()).isLessThanOrEqualTo(3);
            }
            assertThat(cache.size()).isEqualTo(3);
            assertThat(cache.missCount()).isEqualTo(50);
        }
    }

    @Test
    void concurrentMissesForTheSameTextReachTheDelegateOnce() throws Exception {
        FakeEmbedder fake = new FakeEmbedder();
        int callers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            CountDownLatch firstInDelegate = fake.holdNextCall();
            List<Thread> threads = new CopyOnWriteArrayList<>();
            List<Future<float[]>> answers = new ArrayList<>();
            answers.add(pool.submit(() -> cache.embed("same text")));
            assertThat(firstInDelegate.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i < callers; i++) {
                answers.add(pool.submit(() -> {
                    threads.add(Thread.currentThread());
                    return cache.embed("same  text ");
                }));
            }
            awaitAllBlocked(threads, callers - 1);
            fake.release();
            for (Future<float[]> answer : answers) {
                assertThat(answer.get(10, TimeUnit.SECONDS)).containsExactly(FakeEmbedder.unitVector("same text"));
            }
            assertThat(fake.batches()).containsExactly(List.of("same text"));
            assertThat(cache.missCount()).isEqualTo(1);
            assertThat(cache.hitCount()).isEqualTo(callers - 1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBatchWaitsForTextsAnotherCallIsEmbeddingAndSendsOnlyTheRestInOneCall() throws Exception {
        FakeEmbedder fake = new FakeEmbedder();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            cache.embed("cached");
            CountDownLatch firstInDelegate = fake.holdNextCall();
            Future<float[]> first = pool.submit(() -> cache.embed("in flight"));
            assertThat(firstInDelegate.await(10, TimeUnit.SECONDS)).isTrue();
            List<Thread> second = new CopyOnWriteArrayList<>();
            Future<List<float[]>> batch = pool.submit(() -> {
                second.add(Thread.currentThread());
                return cache.embedAll(List.of("x", "cached", "in flight", "y", "x", "z"));
            });
            awaitAllBlocked(second, 1);
            fake.release();

            List<float[]> out = batch.get(10, TimeUnit.SECONDS);
            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(FakeEmbedder.unitVector("in flight"));
            assertThat(fake.batches()).containsExactly(List.of("cached"), List.of("in flight"), List.of("x", "y", "z"));
            assertThat(out.get(2)).containsExactly(FakeEmbedder.unitVector("in flight"));
            assertThat(out.get(5)).containsExactly(FakeEmbedder.unitVector("z"));
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits (bounded) until {@code count} threads have registered and all are parked. */
    private static void awaitAllBlocked(List<Thread> threads, int count) throws Exception {
        assertThat(Eventually.holds(() -> threads.size() == count && threads.stream().allMatch(
                t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)))
                .as("callers blocked: %s", threads.stream().map(Thread::getState).toList()).isTrue();
    }

    @Test
    void callersCannotCorruptTheCache() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            cache.embed("a")[0] = 42;
            cache.embed("a")[1] = 42;
            assertThat(cache.embed("a")).containsExactly(FakeEmbedder.unitVector("a"));
        }
    }

    @Test
    void aDelegateFailureIsThrownAndNothingIsCached() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            fake.failNext(new IllegalStateException("model down"));
            assertThatThrownBy(() -> cache.embed("a")).hasMessage("model down");
            assertThat(cache.size()).isZero();
            assertThat(cache.embed("a")).containsExactly(FakeEmbedder.unitVector("a"));
        }
    }

    @Test
    void closeClosesTheDelegateAndCapacityMustBePositive() {
        FakeEmbedder fake = new FakeEmbedder();
        new CachingEmbedder(fake, 1).close();
        assertThat(fake.isClosed()).isTrue();
        assertThatThrownBy(() -> new CachingEmbedder(fake, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity");
    }
}
