package dev.iccache.server;

import dev.iccache.time.Ticker;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Amounts (requests, tokens) used per key in fixed one-minute windows of an injected ticker. A use
 * is admitted while the key's amount in the current window is below the limit, and counted
 * atomically with that check, so concurrent uses are neither lost nor counted twice: with amount 1
 * exactly {@code limit} uses are admitted per window.
 */
final class MinuteWindows {
    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private record Window(long index, long used) {
    }

    private final Ticker ticker;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    MinuteWindows(Ticker ticker) {
        this.ticker = ticker;
    }

    /**
     * Admits a use of {@code amount} by {@code key} if its amount in the current window is below {@code limit},
     * and counts it.
     *
     * @return empty when admitted; otherwise the whole seconds until the current window ends (at least 1)
     */
    OptionalLong acquire(String key, long amount, long limit) {
        long now = ticker.nanoTime();
        long index = Math.floorDiv(now, WINDOW_NANOS);
        boolean[] admitted = new boolean[1];
        windows.compute(key, (k, w) -> {
            Window current = current(w, index);
            admitted[0] = current.used() < limit;
            return admitted[0] ? new Window(current.index(), current.used() + amount) : current;
        });
        if (admitted[0]) {
            return OptionalLong.empty();
        }
        long left = (index + 1) * WINDOW_NANOS - now;
        return OptionalLong.of(Math.max(1, (left + SECOND - 1) / SECOND));
    }

    /** Counts {@code amount} more for {@code key} in the current window, whatever its limit (tokens of an answer). */
    void add(String key, long amount) {
        long index = Math.floorDiv(ticker.nanoTime(), WINDOW_NANOS);
        windows.compute(key, (k, w) -> {
            Window current = current(w, index);
            return new Window(current.index(), current.used() + amount);
        });
    }

    /** Forgets the counts of {@code key} (a revoked key). */
    void forget(String key) {
        windows.remove(key);
    }

    /** A use that read the ticker just before a newer window began counts in the newer one. */
    private static Window current(Window w, long index) {
        return w == null || w.index() < index ? new Window(index, 0) : w;
    }
}
