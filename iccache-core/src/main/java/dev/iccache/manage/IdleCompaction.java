package dev.iccache.manage;

import dev.iccache.bank.ExampleStore;
import dev.iccache.config.CompactionSettings;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Merges the bank's segments while the gateway is idle ({@code bank.compaction}, docs/example-store.md). Each
 * admission commit adds a segment and Lucene's merge policy keeps about ten per size tier (the decision benchmark's
 * bank of a million examples is 11 segments), and every search walks one vector graph per segment: that bank's
 * search took 2.8 ms in 11 segments and 1.3 ms in one, at the same recall. A check, every {@code check-seconds},
 * compacts the store into {@code segments} when the gateway process used less than {@code idle-cpu} of the
 * machine's cores since the previous check, at most once per {@code min-interval-minutes}. The merge takes one core
 * (about 3 minutes at a million examples) while requests are served as usual; searches see the merged segment once
 * it is committed.
 */
public final class IdleCompaction {
    private static final Logger LOG = Logger.getLogger(IdleCompaction.class.getName());

    private final ExampleStore store;
    private final CompactionSettings settings;
    private final DoubleSupplier busy;
    private final LongSupplier nanoTime;
    private final Counter compactions;
    private final long minIntervalNanos;
    /** When the last compaction ended ({@link #nanoTime}); one interval before construction until the first. */
    private long lastEnded;

    /**
     * @param busy     the gateway's share of all cores since the previous call, in [0, 1] (NaN when unknown)
     * @param nanoTime a monotonic clock: the interval between compactions, and their duration in the log
     */
    public IdleCompaction(ExampleStore store, CompactionSettings settings, DoubleSupplier busy, LongSupplier nanoTime,
            Metrics metrics) {
        this.store = store;
        this.settings = settings;
        this.busy = busy;
        this.nanoTime = nanoTime;
        this.minIntervalNanos = settings.minIntervalMinutes() * 60_000_000_000L;
        this.lastEnded = nanoTime.getAsLong() - minIntervalNanos;
        this.compactions = metrics.counter("iccache_bank_compactions_total",
                "Merges of the bank's segments into bank.compaction.segments while the gateway was idle.");
    }

    /**
     * One check: compacts when the gateway was idle since the previous one and the last compaction ended at least
     * {@code min-interval-minutes} ago. Returns whether it compacted. Called from one thread at a time.
     */
    public boolean check() {
        double share = busy.getAsDouble();
        long start = nanoTime.getAsLong();
        if (!(share < settings.idleCpu()) || start - lastEnded < minIntervalNanos) {
            return false; // busy, unknown, or compacted recently
        }
        int before = store.compact(settings.segments());
        if (before <= settings.segments()) {
            return false;
        }
        lastEnded = nanoTime.getAsLong();
        compactions.inc();
        LOG.log(Level.INFO, "compacted the bank from {0} segments into {1} in {2} s (the gateway used {3}% of the "
                + "cores before)", new Object[] {before, settings.segments(),
                    String.format(Locale.ROOT, "%.1f", (lastEnded - start) / 1e9),
                    Math.round(share * 100)});
        return true;
    }

    /**
     * This process's CPU time as a share of all cores' time since the previous call (the first call measures from
     * the start of the process); NaN where the JVM cannot tell.
     */
    public static DoubleSupplier processCpuShare() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof com.sun.management.OperatingSystemMXBean sun)) {
            return () -> Double.NaN;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        long[] last = {ManagementFactory.getRuntimeMXBean().getStartTime() * 1_000_000L, 0};
        return () -> {
            long cpu = sun.getProcessCpuTime();
            long wall = System.currentTimeMillis() * 1_000_000L;
            if (cpu < 0) {
                return Double.NaN;
            }
            double share;
            synchronized (last) {
                long elapsed = wall - last[0];
                share = elapsed <= 0 ? Double.NaN : (cpu - last[1]) / ((double) elapsed * cores);
                last[0] = wall;
                last[1] = cpu;
            }
            return share;
        };
    }
}
