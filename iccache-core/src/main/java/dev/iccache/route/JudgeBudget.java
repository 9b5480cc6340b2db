package dev.iccache.route;

import dev.iccache.time.Ticker;

/** A token bucket capping judgments per minute (each judgment is two judge calls). Thread-safe. */
public final class JudgeBudget {
    private static final double NANOS_PER_MINUTE = 60e9;

    private final double perMinute;
    private final Ticker ticker;
    private double tokens;
    private long last;

    public JudgeBudget(double perMinute, Ticker ticker) {
        this.perMinute = perMinute;
        this.ticker = ticker;
        this.tokens = perMinute;
        this.last = ticker.nanoTime();
    }

    /** Whether a judgment may be spent now. */
    public synchronized boolean available() {
        refill();
        return tokens >= 1;
    }

    /** Spends one judgment; false when none is left. */
    public synchronized boolean tryAcquire() {
        refill();
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private void refill() {
        long now = ticker.nanoTime();
        tokens = Math.min(perMinute, tokens + (now - last) / NANOS_PER_MINUTE * perMinute);
        last = now;
    }
}
