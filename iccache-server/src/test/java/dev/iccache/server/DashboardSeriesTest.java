package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The dashboard's time series, sampled from a registry in virtual time. */
class DashboardSeriesTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final InstantSource clock = now::get;
    private final Metrics registry = new Metrics();
    private final GatewayMetrics metrics = new GatewayMetrics(registry);

    private void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    private void served(String model, String status, double seconds) {
        metrics.requests.labelValues("/v1/chat/completions", model, "pinned", "false", status).inc();
        metrics.duration.labelValues(model, "false").observe(seconds);
    }

    @Test
    void ratesAndPercentilesAreThoseBetweenTwoSamples() {
        DashboardSeries series = new DashboardSeries(registry, clock, 10);
        served("small", "200", 0.2);
        series.sample();
        for (int i = 0; i < 9; i++) {
            served("small", "200", 0.04);
        }
        served("small", "502", 0.04);
        advance(Duration.ofSeconds(2));
        series.sample();

        ArrayNode points = series.points();
        JsonNode first = points.get(0).path("models").path("small");
        assertThat(first.path("requests_per_second").asDouble()).isZero();
        assertThat(first.path("p50").isNull()).isTrue();
        JsonNode second = points.get(1).path("models").path("small");
        assertThat(second.path("requests_total").asDouble()).isEqualTo(11);
        assertThat(second.path("errors_total").asDouble()).isEqualTo(1);
        assertThat(second.path("requests_per_second").asDouble()).isEqualTo(5.0);
        assertThat(second.path("errors_per_second").asDouble()).isEqualTo(0.5);
        // All ten in the (0.025, 0.05] bucket: the 0.2 s request before the first sample does not count.
        assertThat(second.path("p50").asDouble()).isCloseTo(0.0375, within(1e-9));
        assertThat(second.path("p99").asDouble()).isLessThanOrEqualTo(0.05);
        assertThat(points.get(1).path("t").asLong() - points.get(0).path("t").asLong()).isEqualTo(2000);
    }

    @Test
    void percentilesCoverTheLastFewIntervalsAndThenForget() {
        DashboardSeries series = new DashboardSeries(registry, clock, 100);
        series.sample();
        served("small", "200", 0.3);
        // Observed in the first interval: in the window of the next PERCENTILE_POINTS points, then out of it.
        for (int i = 1; i <= DashboardSeries.PERCENTILE_POINTS + 1; i++) {
            advance(Duration.ofSeconds(2));
            series.sample();
            JsonNode small = series.points().get(i).path("models").path("small");
            assertThat(small.path("p95").isNull()).as("point %d", i).isEqualTo(i > DashboardSeries.PERCENTILE_POINTS);
            assertThat(small.path("requests_per_second").asDouble()).isEqualTo(i == 1 ? 0.5 : 0);
        }
    }

    @Test
    void aModelFirstSeenBetweenTwoPointsCountsFromZero() {
        DashboardSeries series = new DashboardSeries(registry, clock, 10);
        series.sample();
        served("large", "200", 0.3);
        served("large", "200", 0.3);
        advance(Duration.ofSeconds(2));
        series.sample();
        JsonNode large = series.points().get(1).path("models").path("large");
        assertThat(large.path("requests_per_second").asDouble()).isEqualTo(1.0);
        assertThat(large.path("p50").asDouble()).isBetween(0.25, 0.5);
    }

    @Test
    void routerGaugesAreNullWithoutRoutingAndReadWithIt() {
        DashboardSeries series = new DashboardSeries(registry, clock, 10);
        series.sample();
        assertThat(series.points().get(0).path("offload_ratio").isNull()).isTrue();
        registry.gauge("iccache_router_offload_ratio", "h").track(() -> 0.25);
        registry.gauge("iccache_quality_guard_win_rate", "h", "domain").track(() -> 0.9, "support");
        registry.gauge("iccache_quality_guard_win_rate", "h", "domain").track(() -> Double.NaN, "fresh");
        series.sample();
        JsonNode p = series.points().get(1);
        assertThat(p.path("offload_ratio").asDouble()).isEqualTo(0.25);
        assertThat(p.path("guard").path("support").asDouble()).isEqualTo(0.9);
        assertThat(p.path("guard").path("fresh").isNull()).isTrue();
    }

    @Test
    void keepsTheNewestPointsOnly() {
        DashboardSeries series = new DashboardSeries(registry, clock, 3);
        for (int i = 0; i < 5; i++) {
            series.sample();
            advance(Duration.ofSeconds(2));
        }
        ArrayNode points = series.points();
        assertThat(points).hasSize(3);
        assertThat(points.get(0).path("t").asLong()).isEqualTo(now.get().minusSeconds(6).toEpochMilli());
    }

    @Test
    void judgmentsCountTheLastMinute() {
        DashboardSeries series = new DashboardSeries(registry, clock, 100);
        Counter shadows = registry.counter("iccache_router_shadow_total", "h", "outcome");
        Counter probes = registry.counter("iccache_selection_probes_total", "h", "kind", "outcome");
        series.sample();
        shadows.labelValues("judged").inc(3);
        shadows.labelValues("failed").inc();
        probes.labelValues("explore", "judged").inc(2);
        probes.labelValues("explore", "free").inc(5); // free probes spend no judgment
        advance(Duration.ofSeconds(30));
        series.sample();
        assertThat(series.points().get(1).path("judgments_last_minute").asDouble()).isEqualTo(6);
        advance(Duration.ofSeconds(31));
        series.sample();
        shadows.labelValues("judged").inc();
        advance(Duration.ofSeconds(30));
        series.sample();
        // The baseline is now the reading 61 s old, taken after the first six.
        assertThat(series.points().get(3).path("judgments_last_minute").asDouble()).isEqualTo(1);
    }

    @Test
    void quantilesInterpolateWithinTheirBucket() {
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        cumulative.put(0.1, 0.0);
        cumulative.put(0.25, 10.0);
        cumulative.put(Double.POSITIVE_INFINITY, 10.0);
        assertThat(DashboardSeries.quantile(0.5, cumulative)).isCloseTo(0.175, within(1e-9));
        cumulative.put(Double.POSITIVE_INFINITY, 20.0);
        assertThat(DashboardSeries.quantile(0.99, cumulative)).isEqualTo(0.25);
        assertThat(DashboardSeries.quantile(0.5, new TreeMap<>())).isNaN();
    }
}
