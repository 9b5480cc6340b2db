package dev.iccache.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * A small lock-free metrics registry that renders the Prometheus text format (version 0.0.4).
 * Families are created once; label children are created on first use and then cost one map
 * lookup and an adder increment.
 */
public final class MetricsRegistry {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** Latency buckets in seconds, from 0.5 ms to 2 minutes. */
    public static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10, 30, 60, 120};

    private final Map<String, Family<?>> families = new ConcurrentSkipListMap<>();

    public Counter counter(String name, String help, String... labelNames) {
        return register(new Counter(name, help, labelNames));
    }

    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        return register(new Histogram(name, help, buckets, labelNames));
    }

    public Gauge gauge(String name, String help, String... labelNames) {
        return register(new Gauge(name, help, labelNames));
    }

    /** A counter whose value is read when scraped, from a supplier registered per label set (e.g. CPU time). */
    public CounterFunction counterFunction(String name, String help, String... labelNames) {
        return register(new CounterFunction(name, help, labelNames));
    }

    /** Registers a family, or returns the one already registered under the name if it is the same kind. */
    @SuppressWarnings("unchecked")
    private <F extends Family<?>> F register(F family) {
        Family<?> existing = families.putIfAbsent(family.name, family);
        if (existing == null) {
            return family;
        }
        if (existing.getClass() != family.getClass() || !Arrays.equals(existing.labelNames, family.labelNames)) {
            throw new IllegalArgumentException("metric " + family.name + " is already registered as another kind");
        }
        return (F) existing;
    }

    /** Renders every family in Prometheus text format. */
    public String scrape() {
        StringBuilder out = new StringBuilder(4096);
        for (Family<?> f : families.values()) {
            f.write(out);
        }
        return out.toString();
    }

    /** A metric family: one name, a fixed list of label names, one child per label values. */
    public abstract static class Family<C> {
        final String name;
        final String help;
        final String[] labelNames;
        final Map<List<String>, C> children = new ConcurrentHashMap<>();

        Family(String name, String help, String[] labelNames) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("bad metric name: " + name);
            }
            this.name = name;
            this.help = Objects.requireNonNull(help);
            this.labelNames = labelNames.clone();
        }

        /** The child for these label values (created on first use). */
        public C labels(String... values) {
            if (values.length != labelNames.length) {
                throw new IllegalArgumentException(name + " takes labels " + Arrays.toString(labelNames));
            }
            return children.computeIfAbsent(List.of(values), k -> newChild());
        }

        abstract C newChild();

        abstract String type();

        abstract void writeChild(StringBuilder out, String labels, C child);

        final void write(StringBuilder out) {
            out.append("# HELP ").append(name).append(' ').append(help.replace("\n", " ")).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(type()).append('\n');
            List<Map.Entry<List<String>, C>> entries = new ArrayList<>(children.entrySet());
            entries.sort((a, b) -> String.join("\u0000", a.getKey()).compareTo(String.join("\u0000", b.getKey())));
            for (Map.Entry<List<String>, C> e : entries) {
                writeChild(out, labelText(e.getKey()), e.getValue());
            }
        }

        final String labelText(List<String> values) {
            if (values.isEmpty()) {
                return "";
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < values.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(labelNames[i]).append("=\"").append(escape(values.get(i)))
                        .append('"');
            }
            return sb.toString();
        }
    }

    /** A monotonically increasing count. */
    public static final class Counter extends Family<Counter.Child> {
        Counter(String name, String help, String[] labelNames) {
            super(name, help, labelNames);
        }

        public static final class Child {
            private final DoubleAdder value = new DoubleAdder();

            public void inc() {
                value.add(1);
            }

            public void inc(double amount) {
                if (amount < 0) {
                    throw new IllegalArgumentException("counters only go up");
                }
                value.add(amount);
            }

            public double value() {
                return value.sum();
            }
        }

        @Override
        Child newChild() {
            return new Child();
        }

        @Override
        String type() {
            return "counter";
        }

        @Override
        void writeChild(StringBuilder out, String labels, Child child) {
            sample(out, name, labels, child.value());
        }
    }

    /** A value read when scraped, from a supplier registered per label set. */
    public static final class Gauge extends Family<Gauge.Child> {
        Gauge(String name, String help, String[] labelNames) {
            super(name, help, labelNames);
        }

        public static final class Child {
            private volatile DoubleSupplier supplier = () -> 0;

            public void track(DoubleSupplier source) {
                this.supplier = Objects.requireNonNull(source);
            }

            public double value() {
                return supplier.getAsDouble();
            }
        }

        @Override
        Child newChild() {
            return new Child();
        }

        @Override
        String type() {
            return "gauge";
        }

        @Override
        void writeChild(StringBuilder out, String labels, Child child) {
            sample(out, name, labels, child.value());
        }
    }

    /** A count kept elsewhere and read when scraped; its children are {@link Gauge.Child}ren typed as counters. */
    public static final class CounterFunction extends Family<Gauge.Child> {
        CounterFunction(String name, String help, String[] labelNames) {
            super(name, help, labelNames);
        }

        @Override
        Gauge.Child newChild() {
            return new Gauge.Child();
        }

        @Override
        String type() {
            return "counter";
        }

        @Override
        void writeChild(StringBuilder out, String labels, Gauge.Child child) {
            sample(out, name, labels, child.value());
        }
    }

    /** Cumulative buckets, sum and count of observed values. */
    public static final class Histogram extends Family<Histogram.Child> {
        private final double[] bounds;

        Histogram(String name, String help, double[] bounds, String[] labelNames) {
            super(name, help, labelNames);
            for (int i = 1; i < bounds.length; i++) {
                if (bounds[i] <= bounds[i - 1]) {
                    throw new IllegalArgumentException("histogram buckets must increase: " + name);
                }
            }
            this.bounds = bounds.clone();
        }

        public final class Child {
            private final LongAdder[] buckets = new LongAdder[bounds.length + 1];
            private final DoubleAdder sum = new DoubleAdder();

            Child() {
                for (int i = 0; i < buckets.length; i++) {
                    buckets[i] = new LongAdder();
                }
            }

            public void observe(double value) {
                int i = Arrays.binarySearch(bounds, value);
                buckets[i >= 0 ? i : -i - 1].increment();
                sum.add(value);
            }

            public double sum() {
                return sum.sum();
            }
        }

        @Override
        Child newChild() {
            return new Child();
        }

        @Override
        String type() {
            return "histogram";
        }

        @Override
        void writeChild(StringBuilder out, String labels, Child child) {
            String sep = labels.isEmpty() ? "" : ",";
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += child.buckets[i].sum();
                sample(out, name + "_bucket", labels + sep + "le=\"" + format(bounds[i]) + '"', cumulative);
            }
            cumulative += child.buckets[bounds.length].sum();
            sample(out, name + "_bucket", labels + sep + "le=\"+Inf\"", cumulative);
            sample(out, name + "_sum", labels, child.sum());
            sample(out, name + "_count", labels, cumulative);
        }
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(format(value)).append('\n');
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
