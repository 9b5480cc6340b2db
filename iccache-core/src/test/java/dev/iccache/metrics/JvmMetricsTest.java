package dev.iccache.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JvmMetricsTest {
    /** Samples of a scrape by name and labels, e.g. {@code jvm_memory_used_bytes{area="heap"}}. */
    private static Map<String, Double> samples(String scrape) {
        Map<String, Double> out = new HashMap<>();
        for (String line : scrape.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                int space = line.lastIndexOf(' ');
                out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return out;
    }

    @Test
    void jvmAndProcessMetricsAreReadWhenScraped() {
        MetricsRegistry registry = new MetricsRegistry();
        JvmMetrics.register(registry);
        String scrape = registry.scrape();
        Map<String, Double> s = samples(scrape);
        assertThat(s.get("jvm_memory_used_bytes{area=\"heap\"}")).isPositive();
        assertThat(s.get("jvm_memory_used_bytes{area=\"nonheap\"}")).isPositive();
        assertThat(s.get("jvm_memory_committed_bytes{area=\"heap\"}"))
                .isGreaterThanOrEqualTo(s.get("jvm_memory_used_bytes{area=\"heap\"}"));
        assertThat(s).containsKey("jvm_memory_max_bytes{area=\"heap\"}");
        assertThat(s.keySet()).anyMatch(k -> k.startsWith("jvm_gc_collection_seconds_count{gc=\""))
                .anyMatch(k -> k.startsWith("jvm_gc_collection_seconds_sum{gc=\""));
        assertThat(s.get("jvm_threads_current")).isGreaterThanOrEqualTo(1);
        assertThat(s.get("jvm_threads_peak")).isGreaterThanOrEqualTo(s.get("jvm_threads_current"));
        assertThat(s.get("jvm_threads_daemon")).isNotNegative();
        assertThat(s.get("jvm_classes_currently_loaded")).isPositive();
        assertThat(s.get("process_cpu_seconds_total")).isNotNegative();
        assertThat(s.get("process_open_fds")).isPositive();
        assertThat(s.get("process_resident_memory_bytes")).isPositive();
        assertThat(s.get("process_start_time_seconds")).isPositive();
        assertThat(s.get("process_uptime_seconds")).isNotNegative();
        assertThat(scrape).contains("# TYPE process_cpu_seconds_total counter",
                "# TYPE jvm_gc_collection_seconds_count counter", "# TYPE jvm_memory_used_bytes gauge");
    }
}
