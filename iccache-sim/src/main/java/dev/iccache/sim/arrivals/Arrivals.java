package dev.iccache.sim.arrivals;

import dev.iccache.workload.DataDirectory;
import dev.iccache.workload.MissingDataException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;

/**
 * Request arrivals for simulator runs, from an {@link ArrivalSpec}: the Azure trace thinned and
 * rescaled to a mean rate, or Poisson arrivals at fixed rates. The scaling is described in
 * {@code docs/evaluation.md}, "Arrivals".
 */
public final class Arrivals {
    /** Output tokens when no trace is there to sample from: a log-normal with this median… */
    static final double FALLBACK_MEDIAN_OUTPUT_TOKENS = 250;
    /** …and this sigma (of the log). */
    static final double FALLBACK_SIGMA = 0.6;

    private Arrivals() {
    }

    /**
     * The arrival times for {@code count} requests of one run.
     *
     * <p>Trace specs: the one-hour trace is thinned to {@code count} rows by seeded uniform
     * sampling without replacement (keeping the time order and the burst shape), shifted to
     * start at 0 and its time multiplied by {@code factor = (count / thinned span) / meanRate},
     * so that the run's mean rate is {@code meanRate}. Prompt tokens are the trace's
     * ContextTokens, output tokens its GeneratedTokens.
     *
     * <p>Poisson specs: exponential gaps at the spec's rate (the {@code runIndex}-th rate of a
     * sweep; {@code meanRate} is ignored), the first arrival at 0. Token counts are those of
     * seeded random rows of the conversation trace when the data is there; otherwise output
     * tokens are log-normal (median 250, sigma 0.6) and prompt tokens 0. {@link Schedule#note()}
     * says which.
     *
     * <p>Output tokens are clamped to [1, maxOutputTokens]. The same arguments give the same
     * schedule.
     */
    public static Schedule schedule(ArrivalSpec spec, int runIndex, int count, double meanRate, int maxOutputTokens,
            long seed, DataDirectory data) {
        if (runIndex < 0 || runIndex >= runs(spec)) {
            throw new IllegalArgumentException("run index " + runIndex + " out of range: " + spec.label() + " makes "
                    + runs(spec) + " run(s)");
        }
        if (count < 2) {
            throw new IllegalArgumentException("count must be at least 2 (a rate needs a time span), was " + count);
        }
        if (maxOutputTokens < 1) {
            throw new IllegalArgumentException("maxOutputTokens must be at least 1, was " + maxOutputTokens);
        }
        return switch (spec) {
            case AzureTrace trace -> replay(trace, count, meanRate, maxOutputTokens, seed, data);
            case PoissonRate poisson -> poisson(poisson, count, maxOutputTokens, seed, data);
            case RateSweep sweep ->
                poisson(new PoissonRate(sweep.rates().get(runIndex)), count, maxOutputTokens, seed, data);
        };
    }

    /** How many runs the spec makes: one per rate of a sweep, else 1. */
    public static int runs(ArrivalSpec spec) {
        return spec instanceof RateSweep sweep ? sweep.rates().size() : 1;
    }

    /** Summary of a trace spec's whole trace file; fails for a Poisson spec, which replays no trace. */
    public static TraceStats traceStats(ArrivalSpec spec, DataDirectory data) {
        if (!(spec instanceof AzureTrace trace)) {
            throw new IllegalArgumentException(spec.label() + " replays no trace; expected azure or azure-code");
        }
        List<Arrival> rows = trace.read(data);
        double duration = span(rows);
        return new TraceStats(trace.fileName(), rows.size(), duration, rows.size() / duration,
                mean(rows, Arrival::promptTokens), median(rows, Arrival::promptTokens),
                mean(rows, Arrival::outputTokens), median(rows, Arrival::outputTokens), countCv(rows, 60));
    }

    private static Schedule replay(AzureTrace trace, int count, double meanRate, int maxOutputTokens, long seed,
            DataDirectory data) {
        if (!(meanRate > 0) || Double.isInfinite(meanRate)) {
            throw new IllegalArgumentException("meanRate must be a positive number of requests per second, was "
                    + meanRate);
        }
        List<Arrival> rows = trace.read(data);
        if (count > rows.size()) {
            throw new IllegalArgumentException(trace.label() + " has " + rows.size() + " rows, fewer than the "
                    + count + " arrivals asked for; ask for at most " + rows.size() + " or use a poisson spec");
        }
        List<Arrival> thinned = sampleInOrder(rows, count, new SplittableRandom(seed));
        double start = thinned.get(0).atSeconds();
        double thinnedSpan = span(thinned);
        if (thinnedSpan <= 0) {
            throw new IllegalArgumentException(trace.fileName() + ": the " + count + " sampled rows span no time");
        }
        double factor = (count / thinnedSpan) / meanRate;
        List<Arrival> arrivals = new ArrayList<>(count);
        for (Arrival a : thinned) {
            arrivals.add(new Arrival((a.atSeconds() - start) * factor, a.promptTokens(),
                    clamp(a.outputTokens(), maxOutputTokens)));
        }
        String note = String.format(Locale.ROOT, "%s (%d rows over %.1f s, %.3f req/s): %d rows sampled in time order"
                + " without replacement (seed %d), time scaled by %.6f to %.3f req/s", trace.fileName(), rows.size(),
                span(rows), rows.size() / span(rows), count, seed, factor, meanRate);
        return new Schedule(trace.label(), arrivals, factor, count / span(arrivals), note);
    }

    private static Schedule poisson(PoissonRate spec, int count, int maxOutputTokens, long seed, DataDirectory data) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Arrival> tokenRows;
        String tokens;
        try {
            tokenRows = AzureTrace.CONV.read(data);
            tokens = "token counts of seeded random rows of " + AzureTrace.CONV.fileName() + " (" + tokenRows.size()
                    + " rows)";
        } catch (MissingDataException e) {
            tokenRows = List.of();
            tokens = String.format(Locale.ROOT, "output tokens log-normal (median %.0f, sigma %.1f), prompt tokens 0:"
                    + " no %s in %s", FALLBACK_MEDIAN_OUTPUT_TOKENS, FALLBACK_SIGMA, AzureTrace.CONV.fileName(), data);
        }
        List<Arrival> arrivals = new ArrayList<>(count);
        double t = 0;
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                t += random.nextExponential() / spec.rate();
            }
            if (tokenRows.isEmpty()) {
                double output = FALLBACK_MEDIAN_OUTPUT_TOKENS * Math.exp(FALLBACK_SIGMA * random.nextGaussian());
                arrivals.add(new Arrival(t, 0, clamp(Math.round(output), maxOutputTokens)));
            } else {
                Arrival row = tokenRows.get(random.nextInt(tokenRows.size()));
                arrivals.add(new Arrival(t, row.promptTokens(), clamp(row.outputTokens(), maxOutputTokens)));
            }
        }
        String note = "exponential gaps at " + PoissonRate.format(spec.rate()) + " req/s from 0 (seed " + seed + "); "
                + tokens;
        return new Schedule(spec.label(), arrivals, 1, count / span(arrivals), note);
    }

    /** {@code count} of the rows chosen uniformly without replacement, in their order (Knuth's selection sampling). */
    private static List<Arrival> sampleInOrder(List<Arrival> rows, int count, SplittableRandom random) {
        List<Arrival> chosen = new ArrayList<>(count);
        for (int i = 0; i < rows.size() && chosen.size() < count; i++) {
            int needed = count - chosen.size();
            int left = rows.size() - i;
            if (random.nextInt(left) < needed) {
                chosen.add(rows.get(i));
            }
        }
        return chosen;
    }

    /**
     * Coefficient of variation (population standard deviation / mean) of the arrival counts in
     * consecutive windows of {@code windowSeconds} from the first arrival; a last, incomplete
     * window is left out.
     */
    static double countCv(List<Arrival> arrivals, double windowSeconds) {
        double start = arrivals.get(0).atSeconds();
        int windows = (int) Math.floor(span(arrivals) / windowSeconds);
        if (windows == 0) {
            throw new IllegalArgumentException("the arrivals span less than one window of " + windowSeconds + " s");
        }
        double[] counts = new double[windows];
        for (Arrival a : arrivals) {
            int w = (int) ((a.atSeconds() - start) / windowSeconds);
            if (w < windows) {
                counts[w]++;
            }
        }
        double mean = Arrays.stream(counts).average().orElseThrow();
        double variance = Arrays.stream(counts).map(c -> (c - mean) * (c - mean)).average().orElseThrow();
        return Math.sqrt(variance) / mean;
    }

    private static double span(List<Arrival> arrivals) {
        return arrivals.get(arrivals.size() - 1).atSeconds() - arrivals.get(0).atSeconds();
    }

    private static int clamp(long tokens, int max) {
        return (int) Math.max(1, Math.min(max, tokens));
    }

    private static double mean(List<Arrival> rows, ToIntFunction<Arrival> field) {
        return rows.stream().mapToInt(field).average().orElseThrow();
    }

    private static double median(List<Arrival> rows, ToIntFunction<Arrival> field) {
        int[] sorted = rows.stream().mapToInt(field).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }
}
