package dev.iccache.sim.engine;

import dev.iccache.time.Ticker;
import java.time.Instant;
import java.time.InstantSource;
import java.util.PriorityQueue;

/**
 * The discrete-event loop of a simulation run: events at virtual times, run in time order (ties
 * in the order they were scheduled) on the caller's thread. Virtual time only moves between
 * events, so a run is deterministic and takes as long as its events' work, not the trace's span.
 * Background events (periodic upkeep) do not keep the loop alive: it stops when only they remain.
 */
public final class EventLoop {
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final Instant epoch;
    private long now;
    private long sequence;
    private int foreground;

    private record Event(long at, long sequence, boolean background, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }

    /** @param epoch the wall-clock instant virtual time 0 stands for */
    public EventLoop(Instant epoch) {
        this.epoch = epoch;
    }

    /** Virtual nanoseconds since the start. */
    public long nanos() {
        return now;
    }

    /** Virtual seconds since the start. */
    public double seconds() {
        return now / 1e9;
    }

    /** Monotonic virtual time. */
    public Ticker ticker() {
        return this::nanos;
    }

    /** Virtual wall-clock time: the epoch plus virtual time. */
    public InstantSource clock() {
        return () -> epoch.plusNanos(now);
    }

    /** Runs {@code action} {@code delayNanos} from now (not before now). */
    public void after(long delayNanos, Runnable action) {
        schedule(now + Math.max(0, delayNanos), false, action);
    }

    /** Runs {@code action} at virtual second {@code seconds} (now if that has passed). */
    public void at(double seconds, Runnable action) {
        schedule(Math.max(now, (long) (seconds * 1e9)), false, action);
    }

    /** Like {@link #after}, for upkeep that must not keep the run going on its own. */
    public void afterInBackground(long delayNanos, Runnable action) {
        schedule(now + Math.max(0, delayNanos), true, action);
    }

    private void schedule(long at, boolean background, Runnable action) {
        queue.add(new Event(at, sequence++, background, action));
        if (!background) {
            foreground++;
        }
    }

    /** Runs events until no foreground event is left. */
    public void run() {
        while (foreground > 0) {
            Event e = queue.poll();
            now = e.at;
            if (!e.background) {
                foreground--;
            }
            e.action.run();
        }
    }
}
