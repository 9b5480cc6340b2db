package dev.iccache.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * The gateway's metric families on a Prometheus Java client registry, exposed in the Prometheus text
 * format (version 0.0.4). Asking twice for a family of the same name, kind and labels returns the one
 * registered first, so that parts built once per backend share their families.
 */
public final class Metrics {
    /** Latency buckets in seconds, from 0.5 ms to 2 minutes. */
    public static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10, 30, 60, 120};
    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<String, Family> families = new ConcurrentHashMap<>();

    private record Family(Object metric, List<String> labelNames) {
    }

    /** A counter family; its name ends in {@code _total}. */
    public Counter counter(String name, String help, String... labelNames) {
        return family(name, Counter.class, labelNames, () -> Counter.builder().name(name).help(help)
                .labelNames(labelNames).withoutExemplars().register(registry));
    }

    /** A histogram family with these bucket upper bounds (classic buckets only: the text format shows no others). */
    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        return family(name, Histogram.class, labelNames, () -> Histogram.builder().name(name).help(help)
                .labelNames(labelNames).classicOnly().classicUpperBounds(buckets).withoutExemplars()
                .register(registry));
    }

    /** A gauge family whose values are read when scraped, from one supplier per label values. */
    public TrackedGauge gauge(String name, String help, String... labelNames) {
        return family(name, TrackedGauge.class, labelNames, () -> new TrackedGauge(name, help, labelNames, registry));
    }

    @SuppressWarnings("unchecked")
    private <M> M family(String name, Class<M> kind, String[] labelNames, java.util.function.Supplier<M> create) {
        List<String> labels = List.of(labelNames);
        Family f = families.computeIfAbsent(name, n -> new Family(create.get(), labels));
        if (!kind.isInstance(f.metric()) || !f.labelNames().equals(labels)) {
            throw new IllegalArgumentException("metric " + name + " is already registered as another kind or with "
                    + "labels " + f.labelNames() + ", not " + Arrays.toString(labelNames));
        }
        return (M) f.metric();
    }

    /** The Prometheus client registry the families are on. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** The media type of {@link #scrape()}: the Prometheus text format 0.0.4. */
    public static String contentType() {
        return TEXT.getContentType();
    }

    /** Every family in the Prometheus text format. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            TEXT.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A gauge family read when scraped: each label values' latest supplier. */
    public static final class TrackedGauge {
        private final Map<List<String>, DoubleSupplier> sources = new ConcurrentHashMap<>();
        private final int labelCount;
        private final String name;

        TrackedGauge(String name, String help, String[] labelNames, PrometheusRegistry registry) {
            this.name = name;
            this.labelCount = labelNames.length;
            GaugeWithCallback.builder().name(name).help(help).labelNames(labelNames)
                    .callback(cb -> sources.forEach((labels, source) -> cb.call(source.getAsDouble(),
                            labels.toArray(String[]::new))))
                    .register(registry);
        }

        /** Reports {@code source}'s value for these label values from now on (replacing an earlier source). */
        public void track(DoubleSupplier source, String... labelValues) {
            if (labelValues.length != labelCount) {
                throw new IllegalArgumentException(name + " takes " + labelCount + " label values, not "
                        + Arrays.toString(labelValues));
            }
            sources.put(List.of(labelValues), Objects.requireNonNull(source));
        }
    }
}
