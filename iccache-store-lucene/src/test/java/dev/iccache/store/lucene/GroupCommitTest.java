package dev.iccache.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
    @Test
    void concurrentWritersShareCommits() throws Exception {
        AtomicLong applied = new AtomicLong();
        AtomicInteger commits = new AtomicInteger();
        GroupCommit group = new GroupCommit(() -> {
            long upTo = applied.get();
            commits.incrementAndGet();
            sleep(5); // an fsync
            return upTo;
        }, 0);
        int writers = 8;
        int writesEach = 20;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < writesEach; i++) {
                        long seqNo = applied.incrementAndGet();
                        group.awaitDurable(seqNo);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // Each writer waits for at most two commits per write, but eight writers share them.
        assertThat(commits.get()).isLessThan(writers * writesEach / 2);
    }

    @Test
    void aWriteWhoseChangeIsAlreadyDurableDoesNotCommit() throws IOException {
        AtomicInteger commits = new AtomicInteger();
        GroupCommit group = new GroupCommit(() -> {
            commits.incrementAndGet();
            return 10;
        }, 3);
        group.awaitDurable(2);
        assertThat(commits).hasValue(0);
        group.awaitDurable(7);
        group.awaitDurable(10);
        assertThat(commits).hasValue(1);
    }

    @Test
    void aFailedCommitFailsTheWriterAndTheNextWriterTriesAgain() throws IOException {
        AtomicInteger attempts = new AtomicInteger();
        GroupCommit group = new GroupCommit(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IOException("disk full");
            }
            return 5;
        }, 0);
        assertThatThrownBy(() -> group.awaitDurable(1)).hasMessage("disk full");
        group.awaitDurable(1);
        assertThat(attempts).hasValue(2);
    }

    @Test
    void aNewCommitIsOneThatBeganAfterTheCall() throws Exception {
        AtomicInteger commits = new AtomicInteger();
        AtomicBoolean blockFirst = new AtomicBoolean();
        CountDownLatch firstEntered = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        GroupCommit group = new GroupCommit(() -> {
            if (commits.incrementAndGet() == 1 && blockFirst.get()) {
                firstEntered.countDown();
                try {
                    releaseFirst.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            return 1;
        }, 1);
        group.awaitDurable(1);
        assertThat(commits).as("nothing to make durable").hasValue(0);
        group.awaitNewCommit();
        assertThat(commits).as("even when every change is durable").hasValue(1);

        commits.set(0);
        blockFirst.set(true);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> leader = pool.submit(() -> {
                group.awaitNewCommit();
                return null;
            });
            assertThat(firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<?> late = pool.submit(() -> {
                waiter.set(Thread.currentThread());
                group.awaitNewCommit(); // the running commit began before this call: it does not count
                return null;
            });
            while (waiter.get() == null || waiter.get().getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
            releaseFirst.countDown();
            leader.get(30, TimeUnit.SECONDS);
            late.get(30, TimeUnit.SECONDS);
            assertThat(commits).hasValue(2);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
