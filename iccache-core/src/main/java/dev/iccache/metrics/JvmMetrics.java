package dev.iccache.metrics;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.ToLongFunction;

/**
 * JVM and process metrics read when scraped, named as the Prometheus Java client's hotspot exports name
 * them: memory by area, collections per collector, threads, classes, CPU time, open file descriptors,
 * resident memory, start time and uptime.
 */
public final class JvmMetrics {
    private static final Path STATUS = Path.of("/proc/self/status");

    private JvmMetrics() {
    }

    /** Registers the JVM and process families on {@code registry}. */
    public static void register(MetricsRegistry registry) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        memory(registry, "jvm_memory_used_bytes", "Used bytes of a JVM memory area.", memory, MemoryUsage::getUsed);
        memory(registry, "jvm_memory_committed_bytes", "Committed bytes of a JVM memory area.", memory,
                MemoryUsage::getCommitted);
        memory(registry, "jvm_memory_max_bytes", "Max bytes of a JVM memory area (-1 when undefined).", memory,
                MemoryUsage::getMax);

        MetricsRegistry.CounterFunction gcCount = registry.counterFunction("jvm_gc_collection_seconds_count",
                "Collections run by a garbage collector.", "gc");
        MetricsRegistry.CounterFunction gcTime = registry.counterFunction("jvm_gc_collection_seconds_sum",
                "Seconds spent collecting by a garbage collector.", "gc");
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcCount.labels(gc.getName()).track(() -> Math.max(0, gc.getCollectionCount()));
            gcTime.labels(gc.getName()).track(() -> Math.max(0, gc.getCollectionTime()) / 1e3);
        }

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        registry.gauge("jvm_threads_current", "Live threads of the JVM.").labels().track(threads::getThreadCount);
        registry.gauge("jvm_threads_daemon", "Live daemon threads of the JVM.").labels()
                .track(threads::getDaemonThreadCount);
        registry.gauge("jvm_threads_peak", "Peak live threads of the JVM.").labels()
                .track(threads::getPeakThreadCount);
        registry.gauge("jvm_classes_currently_loaded", "Classes loaded in the JVM now.").labels()
                .track(ManagementFactory.getClassLoadingMXBean()::getLoadedClassCount);

        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            registry.counterFunction("process_cpu_seconds_total", "User and system CPU time of the process, in "
                    + "seconds.").labels().track(() -> Math.max(0, sun.getProcessCpuTime()) / 1e9);
        }
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            registry.gauge("process_open_fds", "Open file descriptors of the process.").labels()
                    .track(unix::getOpenFileDescriptorCount);
            registry.gauge("process_max_fds", "Limit of open file descriptors of the process.").labels()
                    .track(unix::getMaxFileDescriptorCount);
        }
        if (Files.isReadable(STATUS)) {
            registry.gauge("process_resident_memory_bytes", "Resident memory of the process, in bytes.").labels()
                    .track(() -> statusKilobytes("VmRSS:") * 1024.0);
            registry.gauge("process_virtual_memory_bytes", "Virtual memory of the process, in bytes.").labels()
                    .track(() -> statusKilobytes("VmSize:") * 1024.0);
        }
        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        registry.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.")
                .labels().track(() -> runtime.getStartTime() / 1e3);
        registry.gauge("process_uptime_seconds", "Time since the JVM started, in seconds.").labels()
                .track(() -> runtime.getUptime() / 1e3);
    }

    private static void memory(MetricsRegistry registry, String name, String help, MemoryMXBean memory,
            ToLongFunction<MemoryUsage> value) {
        MetricsRegistry.Gauge gauge = registry.gauge(name, help, "area");
        gauge.labels("heap").track(() -> value.applyAsLong(memory.getHeapMemoryUsage()));
        gauge.labels("nonheap").track(() -> value.applyAsLong(memory.getNonHeapMemoryUsage()));
    }

    /** A {@code kB} line of /proc/self/status, or NaN when it cannot be read. */
    private static double statusKilobytes(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).strip().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
