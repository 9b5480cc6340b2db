package dev.iccache.server;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request-body bytes that all requests in flight may hold at once
 * ({@code server.max-in-flight-body-bytes}). Each request reserves its body's bytes as they
 * arrive and returns them when it ends; a request that would exceed the budget fails with 503
 * instead of waiting, so a burst of large bodies cannot exhaust the heap.
 */
final class BodyBudget {
    private final long capacity;
    private final AtomicLong used = new AtomicLong();

    BodyBudget(long capacity) {
        this.capacity = capacity;
    }

    /** An empty reservation for one request; close it when the request ends. */
    Reservation open() {
        return new Reservation();
    }

    /** Bytes reserved by requests in flight. */
    long used() {
        return used.get();
    }

    /** One request's share of the budget. Not thread-safe: one request, one thread. */
    final class Reservation implements AutoCloseable {
        private long bytes;

        /** Grows the reservation to at least {@code total} bytes, or fails with 503 (nothing is reserved then). */
        void atLeast(long total) {
            long more = total - bytes;
            if (more <= 0) {
                return;
            }
            long now;
            do {
                now = used.get();
                if (now + more > capacity) {
                    throw IccacheException.of(ErrorKind.OVERLOADED, "iccache holds too many request bodies at "
                            + "once: this one would exceed server.max-in-flight-body-bytes=" + capacity
                            + "; retry shortly.");
                }
            } while (!used.compareAndSet(now, now + more));
            bytes = total;
        }

        @Override
        public void close() {
            used.addAndGet(-bytes);
            bytes = 0;
        }
    }
}
