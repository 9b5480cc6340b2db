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

    GroupCommit(Committer committer, long durable) {
        this.committer = committer;
        this.durable = durable;
    }

    /** Returns once every change with a sequence number up to {@code seqNo} is durable. */
    void awaitDurable(long seqNo) throws IOException {
        while (true) {
            lock.lock();
            try {
                while (committing && durable < seqNo) {
                    finished.awaitUninterruptibly();
                }
                if (durable >= seqNo) {
                    return;
                }
                committing = true;
            } finally {
                lock.unlock();
            }
            long committed = Long.MIN_VALUE;
            try {
                committed = committer.commit();
            } finally {
                lock.lock();
                try {
                    durable = Math.max(durable, committed);
                    committing = false;
                    finished.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
