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
        for (long waited = 0; waited < BOUND_MS; waited += POLL_MS) {
            if (condition.test()) {
                return true;
            }
            Thread.sleep(POLL_MS);
        }
        return condition.test();
    }
}
