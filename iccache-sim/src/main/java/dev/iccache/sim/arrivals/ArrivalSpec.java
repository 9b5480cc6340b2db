package dev.iccache.sim.arrivals;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed {@code --arrivals} spec: {@code azure} (the Azure conversation trace),
 * {@code azure-code} (the Azure code trace), {@code poisson:RATE} (RATE requests per second) or
 * {@code sweep:R1,R2,...} (one Poisson run per rate). A trace spec keeps the trace's shape
 * (bursts) and is rescaled so its mean rate equals the requested mean rate.
 */
public sealed interface ArrivalSpec permits AzureTrace, PoissonRate, RateSweep {
    /** Parses a spec; fails naming the accepted forms. */
    static ArrivalSpec parse(String spec) {
        String s = spec.strip();
        for (AzureTrace trace : AzureTrace.values()) {
            if (s.equals(trace.specName())) {
                return trace;
            }
        }
        if (s.startsWith("poisson:")) {
            return new PoissonRate(rate(spec, s.substring("poisson:".length())));
        }
        if (s.startsWith("sweep:")) {
            List<Double> rates = new ArrayList<>();
            for (String r : s.substring("sweep:".length()).split(",", -1)) {
                rates.add(rate(spec, r));
            }
            return new RateSweep(rates);
        }
        throw new IllegalArgumentException("unknown arrivals spec '" + spec + "': expected " + accepted());
    }

    /** A short name for reports, e.g. {@code azure (conv trace)} or {@code poisson:2.5}. */
    String label();

    private static String accepted() {
        return "azure, azure-code, poisson:RATE or sweep:R1,R2,... (rates in requests per second, > 0)";
    }

    private static double rate(String spec, String text) {
        double rate;
        try {
            rate = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            String problem = text.isBlank() ? "missing rate" : "'" + text + "' is not a number";
            throw new IllegalArgumentException("arrivals spec '" + spec + "': " + problem + "; expected " + accepted());
        }
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException(
                    "arrivals spec '" + spec + "': rate " + text + " is not a positive number; expected " + accepted());
        }
        return rate;
    }
}
