package dev.iccache.sim.arrivals;

import java.math.BigDecimal;

/** {@code poisson:RATE}: exponential gaps at RATE requests per second. */
record PoissonRate(double rate) implements ArrivalSpec {
    @Override
    public String label() {
        return "poisson:" + format(rate);
    }

    /** A rate as written in a spec: 2.5 as "2.5", 2.0 as "2". */
    static String format(double rate) {
        return BigDecimal.valueOf(rate).stripTrailingZeros().toPlainString();
    }
}
