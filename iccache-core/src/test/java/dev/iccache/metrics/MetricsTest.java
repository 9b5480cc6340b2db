package dev.iccache.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void rendersPrometheusText() {
        Metrics r = new Metrics();
        var c = r.counter("x_total", "Things.", "backend");
        var h = r.histogram("lat_seconds", "Latency.", new double[] {0.1, 1}, "backend");
        var g = r.gauge("inflight", "In flight.", "backend");
        c.labelValues("a\"b").inc();
        c.labelValues("a\"b").inc(2);
        h.labelValues("s").observe(0.05);
        h.labelValues("s").observe(0.5);
        h.labelValues("s").observe(5);
        g.track(() -> 3, "s");
        String text = r.scrape();
        assertThat(text).contains("# TYPE x_total counter\n", "x_total{backend=\"a\\\"b\"} 3.0\n",
                "lat_seconds_bucket{backend=\"s\",le=\"0.1\"} 1\n", "lat_seconds_bucket{backend=\"s\",le=\"1.0\"} 2\n",
                "lat_seconds_bucket{backend=\"s\",le=\"+Inf\"} 3\n", "lat_seconds_count{backend=\"s\"} 3\n",
                "lat_seconds_sum{backend=\"s\"} 5.55\n", "inflight{backend=\"s\"} 3.0\n");
        assertThat(Metrics.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    }

    @Test
    void aGaugeReportsItsLatestSourcePerLabelValues() {
        Metrics r = new Metrics();
        var g = r.gauge("inflight", "In flight.", "backend");
        g.track(() -> 1, "a");
        g.track(() -> 2, "a");
        g.track(() -> 7, "b");
        assertThat(r.scrape()).contains("inflight{backend=\"a\"} 2.0\n", "inflight{backend=\"b\"} 7.0\n")
                .doesNotContain("inflight{backend=\"a\"} 1.0");
        assertThatThrownBy(() -> g.track(() -> 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsWrongLabelCountsDuplicateNamesAndNegativeIncrements() {
        Metrics r = new Metrics();
        var c = r.counter("x_total", "Things.", "backend");
        assertThatThrownBy(() -> c.labelValues("a", "b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.counter("x_total", "again")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.gauge("x_total", "again", "backend")).isInstanceOf(IllegalArgumentException.class);
        assertThat(r.counter("x_total", "Things.", "backend")).as("same definition: the same family").isSameAs(c);
        assertThatThrownBy(() -> c.labelValues("a").inc(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
