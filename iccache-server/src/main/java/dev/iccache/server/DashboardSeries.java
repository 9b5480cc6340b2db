package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.backend.http.PrometheusText;
import dev.iccache.backend.http.PrometheusText.Sample;
import dev.iccache.metrics.Metrics;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The dashboard's time series: a bounded ring of points sampled from the gateway's own metrics
 * (the text {@code /metrics} serves), one per {@link #sample()} call. A point holds the router's
 * gauges (offload ratio, load EMA and bias), each domain's quality-guard estimate, per answering
 * model the request and error rates since the previous point and the latency percentiles over the
 * last {@link #PERCENTILE_POINTS} intervals, and the judgments spent in the last minute. Thread-safe.
 */
final class DashboardSeries {
    /** Judgments count shadow runs and selection probes that reached the judge or tried to. */
    private static final Set<String> SPENT = Set.of("judged", "no_verdict", "failed");
    private static final double[] QUANTILES = {0.5, 0.95, 0.99};
    private static final Cumulative NONE = new Cumulative(0, 0, new TreeMap<>());

    private final Metrics registry;
    private final InstantSource clock;
    private final int capacity;
    private final Deque<ObjectNode> points = new ArrayDeque<>();
    private final Deque<Reading> judgments = new ArrayDeque<>();
    /** Latency percentiles are over this many sampling intervals (30 s at the dashboard's 2 s). */
    static final int PERCENTILE_POINTS = 15;

    /** The last {@link #PERCENTILE_POINTS} scrapes' counts, newest last. */
    private final Deque<Map<String, Cumulative>> recent = new ArrayDeque<>();
    private Instant previousAt;

    /** Per model, the cumulative counts of one scrape. */
    private record Cumulative(double requests, double errors, TreeMap<Double, Double> buckets) {
    }

    /** Judgments spent since start, as read at {@code at} (epoch ms). */
    private record Reading(long at, double spent) {
    }

    DashboardSeries(Metrics registry, InstantSource clock, int capacity) {
        this.registry = registry;
        this.clock = clock;
        this.capacity = capacity;
    }

    /** Adds a point for now, dropping the oldest when the ring is full. */
    synchronized void sample() {
        Instant now = clock.instant();
        List<Sample> samples = PrometheusText.parse(registry.scrape());
        ObjectNode point = Json.object();
        point.put("t", now.toEpochMilli());
        putGauge(point, "offload_ratio", samples, "iccache_router_offload_ratio");
        putGauge(point, "load_ema", samples, "iccache_router_load_ema");
        putGauge(point, "load_bias", samples, "iccache_router_load_bias");
        ObjectNode guard = point.putObject("guard");
        for (Sample s : samples) {
            if (s.name().equals("iccache_quality_guard_win_rate")) {
                putNumber(guard, s.labels().get("domain"), s.value());
            }
        }
        Map<String, Cumulative> current = cumulative(samples);
        double seconds = previousAt == null ? 0 : Math.max(1e-3, (now.toEpochMilli() - previousAt.toEpochMilli())
                / 1000.0);
        ObjectNode models = point.putObject("models");
        // A model first seen since an earlier point had no requests before it.
        Map<String, Cumulative> previous = recent.isEmpty() ? Map.of() : recent.getLast();
        Map<String, Cumulative> windowStart = recent.isEmpty() ? Map.of() : recent.getFirst();
        current.forEach((model, c) -> models.set(model, modelPoint(c, previous.getOrDefault(model, NONE),
                windowStart.getOrDefault(model, NONE), seconds)));
        point.put("judgments_last_minute", judgmentsLastMinute(now, samples));
        recent.addLast(current);
        if (recent.size() > PERCENTILE_POINTS) {
            recent.removeFirst();
        }
        previousAt = now;
        points.addLast(point);
        if (points.size() > capacity) {
            points.removeFirst();
        }
    }

    /** Every point, oldest first. */
    synchronized ArrayNode points() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        points.forEach(out::add);
        return out;
    }

    /**
     * The rates since {@code before} and the percentiles since {@code windowStart} (zero, percentiles
     * null, for the first point).
     */
    private static ObjectNode modelPoint(Cumulative now, Cumulative before, Cumulative windowStart, double seconds) {
        ObjectNode m = Json.object();
        m.put("requests_total", now.requests());
        m.put("errors_total", now.errors());
        if (seconds == 0) {
            m.put("requests_per_second", 0.0);
            m.put("errors_per_second", 0.0);
            for (double q : QUANTILES) {
                m.putNull(quantileName(q));
            }
            return m;
        }
        m.put("requests_per_second", round((now.requests() - before.requests()) / seconds));
        m.put("errors_per_second", round((now.errors() - before.errors()) / seconds));
        TreeMap<Double, Double> delta = new TreeMap<>();
        now.buckets().forEach((le, count) -> delta.put(le, count - windowStart.buckets().getOrDefault(le, 0.0)));
        for (double q : QUANTILES) {
            putNumber(m, quantileName(q), quantile(q, delta));
        }
        return m;
    }

    private static String quantileName(double q) {
        return "p" + Math.round(q * 100);
    }

    /**
     * The {@code q} quantile of cumulative bucket counts, interpolated linearly within its bucket
     * (as Prometheus's {@code histogram_quantile}); NaN with no observations, the largest finite
     * bound when it falls in the {@code +Inf} bucket.
     */
    static double quantile(double q, TreeMap<Double, Double> cumulative) {
        double total = cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> b : cumulative.entrySet()) {
            if (b.getValue() >= rank) {
                if (b.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = b.getValue() - lowerCount;
                return inBucket <= 0 ? b.getKey()
                        : lowerBound + (b.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = b.getKey();
            lowerCount = b.getValue();
        }
        return lowerBound;
    }

    /** Requests, errors (status 400 and above) and latency buckets of chat completions, per answering model. */
    private static Map<String, Cumulative> cumulative(List<Sample> samples) {
        Map<String, double[]> counts = new TreeMap<>();
        Map<String, TreeMap<Double, Double>> buckets = new HashMap<>();
        for (Sample s : samples) {
            if (s.name().equals("iccache_requests_total")) {
                double[] c = counts.computeIfAbsent(s.labels().get("backend"), k -> new double[2]);
                c[0] += s.value();
                if (status(s.labels().get("status")) >= 400) {
                    c[1] += s.value();
                }
            } else if (s.name().equals("iccache_request_duration_seconds_bucket")) {
                buckets.computeIfAbsent(s.labels().get("backend"), k -> new TreeMap<>())
                        .merge(bound(s.labels().get("le")), s.value(), Double::sum);
            }
        }
        Map<String, Cumulative> out = new TreeMap<>();
        counts.forEach((model, c) -> out.put(model, new Cumulative(c[0], c[1],
                buckets.getOrDefault(model, new TreeMap<>()))));
        return out;
    }

    /** Judgments spent (shadow runs and selection probes) in the minute up to {@code now}. */
    private double judgmentsLastMinute(Instant now, List<Sample> samples) {
        double spent = 0;
        for (Sample s : samples) {
            boolean judgment = s.name().equals("iccache_router_shadow_total")
                    || s.name().equals("iccache_selection_probes_total");
            if (judgment && SPENT.contains(s.labels().get("outcome"))) {
                spent += s.value();
            }
        }
        long ms = now.toEpochMilli();
        judgments.addLast(new Reading(ms, spent));
        // The baseline is the newest reading at least a minute old (the oldest one until there is such).
        while (judgments.size() > 1 && secondOldest().at() <= ms - 60_000) {
            judgments.removeFirst();
        }
        return spent - judgments.getFirst().spent();
    }

    private Reading secondOldest() {
        var it = judgments.iterator();
        it.next();
        return it.next();
    }

    private static void putGauge(ObjectNode point, String field, List<Sample> samples, String metric) {
        for (Sample s : samples) {
            if (s.name().equals(metric)) {
                putNumber(point, field, s.value());
                return;
            }
        }
        point.putNull(field);
    }

    /** A number, or null for NaN (JSON has no NaN). */
    private static void putNumber(ObjectNode node, String field, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            node.putNull(field);
        } else {
            node.put(field, round(v));
        }
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    private static double bound(String le) {
        return le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    }

    private static int status(String status) {
        try {
            return Integer.parseInt(status);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
