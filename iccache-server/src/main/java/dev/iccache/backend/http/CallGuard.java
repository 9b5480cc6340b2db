package dev.iccache.backend.http;

import dev.iccache.api.IccacheException;
import dev.iccache.config.BackendConfig;
import dev.iccache.time.Ticker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Enforces one backend call's read timeout (longest silence) and total timeout. A watchdog task
 * closes the response stream when either trips, which unblocks the reading thread; the reader
 * then reports a timeout instead of an I/O error.
 */
final class CallGuard implements AutoCloseable {
    private final BackendConfig config;
    private final ScheduledExecutorService watchdog;
    private final Ticker ticker;
    private final long start;
    private volatile long lastActivity;
    private volatile String tripped;
    private volatile InputStream watched;
    private volatile boolean closed;
    private ScheduledFuture<?> task;

    CallGuard(BackendConfig config, ScheduledExecutorService watchdog, Ticker ticker) {
        this.config = config;
        this.watchdog = watchdog;
        this.ticker = ticker;
        this.start = ticker.nanoTime();
        this.lastActivity = start;
    }

    /** Milliseconds left of the total timeout. */
    long remainingMs() {
        return config.totalTimeoutMs() - (ticker.nanoTime() - start) / 1_000_000;
    }

    /** How long to wait for response headers: the read timeout, capped by what is left in total. */
    long headerTimeoutMs() {
        return Math.min(config.readTimeoutMs(), remainingMs());
    }

    /** Starts guarding a response body. */
    synchronized void watch(InputStream in) {
        watched = in;
        touch();
        if (task == null && !closed) {
            schedule(Math.min(config.readTimeoutMs(), Math.max(1, remainingMs())));
        }
    }

    /** Records that bytes arrived. */
    void touch() {
        lastActivity = ticker.nanoTime();
    }

    private void schedule(long delayMs) {
        task = watchdog.schedule(this::check, Math.max(1, delayMs), TimeUnit.MILLISECONDS);
    }

    private synchronized void check() {
        if (closed) {
            return;
        }
        long now = ticker.nanoTime();
        long silentMs = (now - lastActivity) / 1_000_000;
        long remaining = remainingMs();
        if (remaining <= 0) {
            trip("the whole call exceeded total-timeout-ms=" + config.totalTimeoutMs());
        } else if (silentMs >= config.readTimeoutMs()) {
            trip("no data for read-timeout-ms=" + config.readTimeoutMs());
        } else {
            schedule(Math.min(config.readTimeoutMs() - silentMs, remaining));
        }
    }

    private void trip(String why) {
        tripped = why;
        InputStream in = watched;
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing is the point; a failure to close changes nothing
            }
        }
    }

    /** Throws the timeout if the watchdog tripped. */
    void checkTripped() {
        if (tripped != null) {
            throw UpstreamErrors.timeout(config.name(), tripped, (ticker.nanoTime() - start) / 1_000_000);
        }
    }

    /**
     * Maps an I/O failure while reading a response body: a timeout if the watchdog caused it, else
     * the backend closed the stream mid-response.
     */
    IccacheException failure(IOException e) {
        checkTripped();
        return UpstreamErrors.closedMidResponse(config.name(), e);
    }

    /**
     * Reads a body until its end or until it exceeds {@code limit} bytes, touching the guard as data
     * arrives; returns at most {@code limit + 1} bytes, so more than {@code limit} means it was cut off.
     */
    byte[] readUpTo(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while (out.size() <= limit && (n = in.read(buf, 0, Math.min(buf.length, limit + 1 - out.size()))) >= 0) {
                touch();
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw failure(e);
        }
        checkTripped();
        return out.toByteArray();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (task != null) {
            task.cancel(false);
        }
    }
}
