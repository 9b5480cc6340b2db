package dev.iccache.time;

/**
 * A clock that can also wait: real time for servers and demos, virtual time for the simulator
 * and tests. The simulated backend runs on one.
 */
public interface SimClock extends Ticker {
    /** Real time: {@link System#nanoTime()} and {@link Thread#sleep}. */
    SimClock REAL = new SimClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
            if (nanos > 0) {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            }
        }
    };

    /** Waits this long in this clock's time. */
    void sleepNanos(long nanos) throws InterruptedException;
}
