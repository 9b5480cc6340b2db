package dev.iccache.server;

import dev.iccache.time.Ticker;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Requests per minute per key, counted in fixed one-minute windows of an injected ticker: at most
 * {@code limit} requests are admitted in each window; each admission is counted atomically, so
 * concurrent requests are neither lost nor counted twice.
 */
final class RequestLimiter {
    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);

    private record Window(long index, int admitted) {
    }

    private final Ticker ticker;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    RequestLimiter(Ticker ticker) {
        this.ticker = ticker;
    }

    /**
     * Counts one request of {@code key} against {@code limit} per minute.
     *
     * @return empty when admitted; otherwise the whole seconds until the current window ends (at least 1)
     */
    OptionalLong acquire(String key, int limit) {
        long now = ticker.nanoTime();
        long index = Math.floorDiv(now, WINDOW_NANOS);
        boolean[] admitted = new boolean[1];
        windows.compute(key, (k, w) -> {
            // a request that read the ticker just before a newer window began counts in the newer one
            Window current = w == null || w.index() < index ? new Window(index, 0) : w;
            admitted[0] = current.admitted() < limit;
            return admitted[0] ? new Window(current.index(), current.admitted() + 1) : current;
        });
        if (admitted[0]) {
            return OptionalLong.empty();
        }
        long left = (index + 1) * WINDOW_NANOS - now;
        return OptionalLong.of(Math.max(1, (left + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1)));
    }

    /** Forgets the count of {@code key} (a revoked key). */
    void forget(String key) {
        windows.remove(key);
    }
}
