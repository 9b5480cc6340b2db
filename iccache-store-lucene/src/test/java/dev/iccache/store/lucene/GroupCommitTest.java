package dev.iccache.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
