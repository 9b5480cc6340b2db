package dev.iccache.testing;

/** Polls a condition that background work will make true; the bound only stops a broken build from hanging. */
public final class Eventually {
    private static final long BOUND_MS = 20_000;
    private static final long POLL_MS = 5;

    /** A condition that may throw. */
    @FunctionalInterface
    public interface Condition {
        boolean test() throws Exception;
    }

    private Eventually() {
    }

    /** Whether the condition held within 20 s. */
    public static boolean holds(Condition condition) throws Exception {
        return holds(condition, BOUND_MS, POLL_MS);
    }

    /**
     * Whether the condition held within {@code boundMs}, tested every {@code pollMs} (for conditions
     * that take a network round trip, or a service restarting).
     */
    public static boolean holds(Condition condition, long boundMs, long pollMs) throws Exception {
        for (long waited = 0; waited < boundMs; waited += pollMs) {
            if (condition.test()) {
                return true;
            }
            Thread.sleep(pollMs);
        }
        return condition.test();
    }
}
