package dev.iccache.store.lucene;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes writes durable with as few commits as possible. A writer applies its change, gets the
 * change's sequence number, and calls {@link #awaitDurable}: if no commit is running, it becomes
 * the leader and commits everything applied so far; otherwise it waits for the running commit
 * and, if that did not include its change, the next leader's commit will. Concurrent writers thus
 * share one commit (fsync) instead of queueing one each, and no thread of its own is needed.
 */
final class GroupCommit {
    /** Commits every change applied so far; returns the sequence number up to which changes are durable. */
    interface Committer {
        long commit() throws IOException;
    }

    private final Committer committer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    private long durable;
    private boolean committing;
    /** Commits begun so far. */
    private long started;
    /** The number (in {@link #started}) of the last commit that succeeded. */
    private long lastSucceeded;

    GroupCommit(Committer committer, long durable) {
        this.committer = committer;
        this.durable = durable;
    }

    /** Returns once every change with a sequence number up to {@code seqNo} is durable. */
    void awaitDurable(long seqNo) throws IOException {
        await(() -> durable >= seqNo);
    }

    /**
     * Returns once a commit that began after this call has succeeded: it contains whatever the
     * index writer held when the call was made, also what has no sequence number (a finished merge).
     */
    void awaitNewCommit() throws IOException {
        long before;
        lock.lock();
        try {
            before = started;
        } finally {
            lock.unlock();
        }
        await(() -> lastSucceeded > before);
    }

    private interface Done {
        boolean get();
    }

    /** Waits for a running commit, or leads the next one, until {@code done} holds (checked under the lock). */
    private void await(Done done) throws IOException {
        while (true) {
            long number;
            lock.lock();
            try {
                while (committing && !done.get()) {
                    finished.awaitUninterruptibly();
                }
                if (done.get()) {
                    return;
                }
                committing = true;
                number = ++started;
            } finally {
                lock.unlock();
            }
            long committed = Long.MIN_VALUE;
            boolean succeeded = false;
            try {
                committed = committer.commit();
                succeeded = true;
            } finally {
                lock.lock();
                try {
                    durable = Math.max(durable, committed);
                    if (succeeded) {
                        lastSucceeded = number;
                    }
                    committing = false;
                    finished.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
