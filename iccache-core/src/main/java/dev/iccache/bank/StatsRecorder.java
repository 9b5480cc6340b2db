package dev.iccache.bank;

import java.lang.System.Logger.Level;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Batches example statistics changes off the request path: {@link #record} merges a delta into
 * memory (no I/O, no lock held for long), and a scheduled flush writes the merged deltas to the
 * store in one {@link ExampleStore#updateStats} call.
 */
public final class StatsRecorder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StatsRecorder.class.getName());

    private final ExampleStore store;
    private final InstantSource clock;
    private final Map<String, StatsDelta> pending = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> task;

    /**
     * @param scheduler runs the periodic flush
     * @param everyMs   flush period
     */
    public StatsRecorder(ExampleStore store, InstantSource clock, ScheduledExecutorService scheduler, long everyMs) {
        this.store = store;
        this.clock = clock;
        this.task = scheduler.scheduleWithFixedDelay(this::flushQuietly, everyMs, everyMs, TimeUnit.MILLISECONDS);
    }

    /** Adds a change; returns at once. */
    public void record(StatsDelta delta) {
        pending.merge(delta.exampleId(), delta, StatsRecorder::merge);
    }

    static StatsDelta merge(StatsDelta a, StatsDelta b) {
        double gain = Double.isNaN(b.replayGainSample()) ? a.replayGainSample() : b.replayGainSample();
        return new StatsDelta(a.exampleId(), a.uses() + b.uses(), a.offloads() + b.offloads(), gain,
                a.wins() + b.wins(), a.losses() + b.losses());
    }

    /** Writes what is pending. */
    public void flush() {
        List<StatsDelta> batch = new ArrayList<>();
        for (String id : List.copyOf(pending.keySet())) {
            StatsDelta d = pending.remove(id);
            if (d != null) {
                batch.add(d);
            }
        }
        if (!batch.isEmpty()) {
            store.updateStats(batch, clock.instant());
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "writing example statistics failed; they are lost", e);
        }
    }

    /** Stops the schedule and writes what is pending. */
    @Override
    public void close() {
        task.cancel(false);
        flush();
    }
}
