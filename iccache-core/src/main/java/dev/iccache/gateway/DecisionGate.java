package dev.iccache.gateway;

import dev.iccache.config.DecisionLimits;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a gateway past its own CPU from queueing requests behind its decisions (embedding,
 * example search and selection, routing): at most {@code max-concurrent} decisions run at once, at
 * most {@code max-queued} more requests wait for a slot (first come, first served), each at most
 * {@code max-wait-ms}; a request that finds the queue full, or waits in vain, is not decided and
 * bypasses, as it would if a part of iccache had failed. Under a load beyond what the machine can
 * decide, the decided share falls and the added latency stays bounded, instead of every request
 * waiting longer and longer. Thread-safe.
 */
final class DecisionGate {
    private final Semaphore slots;
    /** Places in the queue for a slot. */
    private final Semaphore places;
    private final int maxQueued;
    private final long maxWaitNanos;

    DecisionGate(DecisionLimits limits) {
        this.slots = limits.maxConcurrent() == 0 ? null : new Semaphore(limits.maxConcurrent(), true);
        this.places = new Semaphore(limits.maxQueued());
        this.maxQueued = limits.maxQueued();
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(limits.maxWaitMs());
    }

    /** Takes a decision slot, waiting if allowed; false when the request must bypass. A true needs an {@link #exit}. */
    boolean enter() {
        if (slots == null) {
            return true;
        }
        try {
            // tryAcquire(0, unit), unlike tryAcquire(), honours fairness: it never overtakes a waiting request.
            if (slots.tryAcquire(0, TimeUnit.NANOSECONDS)) {
                return true;
            }
            if (!places.tryAcquire()) {
                return false;
            }
            try {
                return slots.tryAcquire(maxWaitNanos, TimeUnit.NANOSECONDS);
            } finally {
                places.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Returns a slot taken by {@link #enter}. */
    void exit() {
        if (slots != null) {
            slots.release();
        }
    }

    /** Requests waiting for a slot now. */
    int waiting() {
        return maxQueued - places.availablePermits();
    }
}
