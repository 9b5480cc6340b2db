package dev.iccache.backend;

import dev.iccache.config.BreakerSettings;
import dev.iccache.time.Ticker;
import java.util.Optional;

/**
 * The circuit breaker of one endpoint. Closed, calls pass until {@code failures} consecutive
 * failures open it; open, calls are refused for a cool-down; then one probe call passes
 * (half-open): its success closes the breaker, its failure opens it again for twice the cool-down,
 * up to {@code max-cool-down-ms}. Outcomes of calls let through before the last change of state
 * are ignored. Thread-safe.
 */
public final class CircuitBreaker {
    /** The breaker's states, in the order of the state gauge's values (0, 1, 2). */
    public enum State { CLOSED, HALF_OPEN, OPEN }

    /** Told every change of state, while the breaker's lock is held. */
    @FunctionalInterface
    public interface Listener {
        void changed(State from, State to);
    }

    private final BreakerSettings settings;
    private final Ticker ticker;
    private final Listener listener;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long coolDownNanos;
    private long openedAt;
    private boolean probing;
    private long generation;

    public CircuitBreaker(BreakerSettings settings, Ticker ticker, Listener listener) {
        this.settings = settings;
        this.ticker = ticker;
        this.listener = listener;
        this.coolDownNanos = settings.coolDownMs() * 1_000_000;
    }

    /** A call the breaker let through; its outcome is reported once (later reports are ignored). */
    public final class Permit {
        private final long issuedIn;
        private boolean reported;

        private Permit(long issuedIn) {
            this.issuedIn = issuedIn;
        }

        /** The endpoint answered (any status but 429 and 5xx). */
        public void succeeded() {
            report(this, true);
        }

        /** The endpoint failed before the first byte: no connection, 429, 5xx, or no response headers in time. */
        public void failed() {
            report(this, false);
        }

        /** The call ended without an outcome (interrupted, say): a probe's turn goes to the next call. */
        public void abandoned() {
            synchronized (CircuitBreaker.this) {
                if (!reported) {
                    reported = true;
                    if (issuedIn == generation && state == State.HALF_OPEN) {
                        probing = false;
                    }
                }
            }
        }
    }

    /** Whether a call would be let through now (without taking a probe's turn). */
    public synchronized boolean available() {
        return switch (state) {
            case CLOSED -> true;
            case HALF_OPEN -> !probing;
            case OPEN -> coolDownOver();
        };
    }

    /** Lets a call through, or empty while the breaker is open or its probe is under way. */
    public synchronized Optional<Permit> tryAcquire() {
        if (state == State.OPEN && coolDownOver()) {
            move(State.HALF_OPEN);
        }
        if (state == State.OPEN || state == State.HALF_OPEN && probing) {
            return Optional.empty();
        }
        if (state == State.HALF_OPEN) {
            probing = true;
        }
        return Optional.of(new Permit(generation));
    }

    public synchronized State state() {
        return state;
    }

    /** Nanoseconds until an open breaker lets a probe through; 0 when it would let a call through now. */
    public synchronized long nanosUntilProbe() {
        return state == State.OPEN ? Math.max(0, openedAt + coolDownNanos - ticker.nanoTime()) : 0;
    }

    private synchronized void report(Permit permit, boolean success) {
        if (permit.reported) {
            return;
        }
        permit.reported = true;
        if (!settings.enabled() || permit.issuedIn != generation) {
            return;
        }
        if (success) {
            consecutiveFailures = 0;
            if (state == State.HALF_OPEN) {
                coolDownNanos = settings.coolDownMs() * 1_000_000;
                move(State.CLOSED);
            }
        } else if (state == State.HALF_OPEN) {
            coolDownNanos = Math.min(coolDownNanos * 2, settings.maxCoolDownMs() * 1_000_000);
            open();
        } else if (state == State.CLOSED && ++consecutiveFailures >= settings.failures()) {
            open();
        }
    }

    private void open() {
        openedAt = ticker.nanoTime();
        consecutiveFailures = 0;
        move(State.OPEN);
    }

    private boolean coolDownOver() {
        return ticker.nanoTime() - openedAt >= coolDownNanos;
    }

    private void move(State to) {
        State from = state;
        state = to;
        probing = false;
        generation++;
        listener.changed(from, to);
    }
}
