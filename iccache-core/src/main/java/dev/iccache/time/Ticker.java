package dev.iccache.time;

/** A source of monotonic nanoseconds; injected so tests and the simulator control time. */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    long nanoTime();
}
