package dev.iccache.tenant;

import java.util.Optional;
import java.util.UUID;

/**
 * A {@link SharedState} for tests: forwards to another (a fresh in-memory one by default), fails every
 * call while {@link #down} is set (a store outage), and a test overrides a call to hook into it (a race,
 * a barrier).
 */
public class ForwardingSharedState implements SharedState {
    /** The state behind it, which a test may read directly. */
    public final SharedState target;
    /** While set, every call fails as an unreachable store's would. */
    public volatile boolean down;

    public ForwardingSharedState() {
        this(new InMemorySharedState());
    }

    public ForwardingSharedState(SharedState target) {
        this.target = target;
    }

    private void check() {
        if (down) {
            throw new IllegalStateException("store unavailable");
        }
    }

    @Override
    public Optional<Versioned> read(String domain, String name) {
        check();
        return target.read(domain, name);
    }

    @Override
    public boolean create(String domain, String name, String json) {
        check();
        return target.create(domain, name, json);
    }

    @Override
    public boolean replace(String domain, String name, UUID expected, String json) {
        check();
        return target.replace(domain, name, expected, json);
    }
}
