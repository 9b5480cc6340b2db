package dev.iccache.sim.arrivals;

import java.util.List;
import java.util.stream.Collectors;

/** {@code sweep:R1,R2,...}: one Poisson run per rate, in the order given. */
record RateSweep(List<Double> rates) implements ArrivalSpec {
    RateSweep {
        rates = List.copyOf(rates);
    }

    @Override
    public String label() {
        return rates.stream().map(PoissonRate::format).collect(Collectors.joining(",", "sweep:", ""));
    }
}
