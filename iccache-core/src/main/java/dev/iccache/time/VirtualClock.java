package dev.iccache.time;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Virtual time in which sleeping advances the clock at once instead of waiting. Each caller's
 * waits add up as if it had the clock to itself, so a single request is timed exactly and
 * instantly; concurrent callers share one timeline, which the discrete-event simulator owns.
 */
public final class VirtualClock implements SimClock {
    private final AtomicLong now = new AtomicLong();

    @Override
    public long nanoTime() {
        return now.get();
    }

    @Override
    public void sleepNanos(long nanos) {
        if (nanos > 0) {
            now.addAndGet(nanos);
        }
    }
}
