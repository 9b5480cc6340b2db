package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MinuteWindowsTest {
    private final AtomicLong now = new AtomicLong(TimeUnit.MINUTES.toNanos(10));
    private final MinuteWindows limiter = new MinuteWindows(now::get);

    @Test
    void admitsTheLimitInAWindowAndTellsHowLongUntilTheNext() {
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire("k", 1, 3)).isEmpty();
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(20) + 1);
        assertThat(limiter.acquire("k", 1, 3)).as("40 s minus 1 ns left, rounded up").isEqualTo(OptionalLong.of(40));
        now.addAndGet(TimeUnit.SECONDS.toNanos(40) - 2);
        assertThat(limiter.acquire("k", 1, 3)).as("1 ns left").isEqualTo(OptionalLong.of(1));
        now.addAndGet(1);
        assertThat(limiter.acquire("k", 1, 3)).as("a new window").isEmpty();
    }

    @Test
    void refusedRequestsDoNotCountAndKeysAreCountedApart() {
        assertThat(limiter.acquire("a", 1, 1)).isEmpty();
        assertThat(limiter.acquire("a", 1, 1)).isPresent();
        assertThat(limiter.acquire("a", 1, 1)).isPresent();
        assertThat(limiter.acquire("b", 1, 1)).isEmpty();
        now.addAndGet(MinuteWindows.WINDOW_NANOS);
        assertThat(limiter.acquire("a", 1, 1)).as("refusals were not carried over").isEmpty();
    }

    @Test
    void tokensAreAdmittedWhileBelowTheLimitAndAnswersCountAfterwards() {
        assertThat(limiter.acquire("t", 60, 100)).isEmpty();
        limiter.add("t", 30);
        assertThat(limiter.acquire("t", 50, 100)).as("90 < 100: admitted, may end above the limit").isEmpty();
        assertThat(limiter.acquire("t", 1, 100)).as("140 >= 100").isPresent();
        now.addAndGet(MinuteWindows.WINDOW_NANOS);
        limiter.add("t", 100);
        assertThat(limiter.acquire("t", 1, 100)).as("an answer fills the new window").isPresent();
    }

    @Test
    void aForgottenKeyStartsAfresh() {
        assertThat(limiter.acquire("a", 1, 1)).isEmpty();
        limiter.forget("a");
        assertThat(limiter.acquire("a", 1, 1)).isEmpty();
    }

    @Test
    void concurrentRequestsAreCountedExactlyOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            for (int round = 0; round < 20; round++) {
                String key = "k" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> admitted = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    admitted.add(pool.submit(() -> {
                        start.await();
                        return limiter.acquire(key, 1, 10).isEmpty();
                    }));
                }
                start.countDown();
                int count = 0;
                for (Future<Boolean> f : admitted) {
                    count += f.get(10, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertThat(count).isEqualTo(10);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
