package dev.iccache.sim.arrivals;

import java.util.List;

/**
 * The arrivals of one run and how they were made: {@code scale} is the time factor applied to
 * the trace (1 for Poisson), {@code meanRate} is count / span in requests per second, and
 * {@code note} says in words where the arrivals came from (source file and rows, thinning,
 * scaling).
 */
public record Schedule(String label, List<Arrival> arrivals, double scale, double meanRate, String note) {
    public Schedule {
        arrivals = List.copyOf(arrivals);
    }
}
