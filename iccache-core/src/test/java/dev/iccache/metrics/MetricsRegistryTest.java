package dev.iccache.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetricsRegistryTest {
    @Test
    void rendersPrometheusText() {
        MetricsRegistry r = new MetricsRegistry();
        var c = r.counter("x_total", "Things.", "backend");
        var h = r.histogram("lat_seconds", "Latency.", new double[] {0.1, 1}, "backend");
        var g = r.gauge("inflight", "In flight.", "backend");
        c.labels("a\"b").inc();
        c.labels("a\"b").inc(2);
        h.labels("s").observe(0.05);
        h.labels("s").observe(0.5);
        h.labels("s").observe(5);
        g.labels("s").track(() -> 3);
        String text = r.scrape();
        assertThat(text).contains("# TYPE x_total counter\n", "x_total{backend=\"a\\\"b\"} 3\n",
                "lat_seconds_bucket{backend=\"s\",le=\"0.1\"} 1\n", "lat_seconds_bucket{backend=\"s\",le=\"1\"} 2\n",
                "lat_seconds_bucket{backend=\"s\",le=\"+Inf\"} 3\n", "lat_seconds_count{backend=\"s\"} 3\n",
                "lat_seconds_sum{backend=\"s\"} 5.55\n", "inflight{backend=\"s\"} 3\n");
    }

    @Test
    void rejectsWrongLabelCountsDuplicateNamesAndNegativeIncrements() {
        MetricsRegistry r = new MetricsRegistry();
        var c = r.counter("x_total", "Things.", "backend");
        assertThatThrownBy(() -> c.labels()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.counter("x_total", "again")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.gauge("x_total", "again", "backend")).isInstanceOf(IllegalArgumentException.class);
        assertThat(r.counter("x_total", "Things.", "backend")).as("same definition: the same family").isSameAs(c);
        assertThatThrownBy(() -> c.labels("a").inc(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
