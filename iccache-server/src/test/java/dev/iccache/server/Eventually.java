package dev.iccache.server;

/** Polls a condition that background work will make true; the bound only stops a broken build from hanging. */
final class Eventually {
    /** A condition that may throw. */
    @FunctionalInterface
    interface Condition {
        boolean test() throws Exception;
    }

    private Eventually() {
    }

    /** Whether the condition held within 20 s. */
    static boolean holds(Condition condition) throws Exception {
        for (int i = 0; i < 400; i++) {
            if (condition.test()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.test();
    }
}
