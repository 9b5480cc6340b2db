package dev.iccache.tenant;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What is learned from traffic, kept apart per domain (docs/selection.md, "Learned state per
 * domain"): one state per domain, created on the domain's first use from its checkpoint, or from the
 * prior when it has none. At most {@code capacity} states stay in memory: bringing in another first
 * saves the least recently used one (when it changed) and drops it; its next use loads it again.
 * Reads never block on learning. Every change goes through {@link #update} (or {@link #updateAll}),
 * under this registry's lock, so a change never lands on a state that was just saved and dropped,
 * and {@link #checkpoint} saves only the states that changed. Thread-safe.
 *
 * @param <S> a domain's learned state
 */
public final class DomainStates<S> {
    private final Function<String, S> load;
    private final BiConsumer<String, S> save;
    private final int capacity;
    private final Map<String, Entry<S>> resident = new ConcurrentHashMap<>();
    /** Domains dropped from memory in this process (guarded by this). */
    private final Set<String> dropped = new HashSet<>();
    private final AtomicLong uses = new AtomicLong();

    private static final class Entry<S> {
        final S state;
        volatile long lastUse;
        boolean changed;

        Entry(S state) {
            this.state = state;
        }
    }

    /**
     * @param load     a domain's saved state, or its prior when nothing was saved
     * @param save     saves a domain's state
     * @param capacity states kept in memory at most
     */
    public DomainStates(Function<String, S> load, BiConsumer<String, S> save, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("at least one domain's state must fit in memory, got " + capacity);
        }
        this.load = load;
        this.save = save;
        this.capacity = capacity;
    }

    /**
     * The state of a domain, loaded (or created from the prior) on its first use. Read it; change
     * it only through {@link #update}.
     */
    public S get(String domain) {
        Entry<S> e = resident.get(domain);
        if (e == null) {
            synchronized (this) {
                e = entry(domain);
            }
        }
        e.lastUse = uses.incrementAndGet();
        return e.state;
    }

    /** The state of a domain if it is in memory now, without loading it (for metrics). */
    public Optional<S> ifResident(String domain) {
        return Optional.ofNullable(resident.get(domain)).map(e -> e.state);
    }

    /**
     * As {@link #ifResident}, but after any load or drop in progress: a state being loaded is not in memory
     * until its load has finished, and this waits for it.
     */
    public synchronized Optional<S> settled(String domain) {
        return ifResident(domain);
    }

    /** Domains whose state is in memory now. */
    public Set<String> resident() {
        return Set.copyOf(resident.keySet());
    }

    /** Changes a domain's state (loading it first if it is not in memory). */
    public synchronized void update(String domain, Consumer<? super S> change) {
        Entry<S> e = entry(domain);
        e.lastUse = uses.incrementAndGet();
        change.accept(e.state);
        e.changed = true;
    }

    /**
     * Changes every state this process has used: those in memory, and those dropped since (each
     * loaded, changed and saved again without staying in memory).
     */
    public synchronized void updateAll(Consumer<? super S> change) {
        for (Entry<S> e : resident.values()) {
            change.accept(e.state);
            e.changed = true;
        }
        for (String domain : dropped) {
            S state = load.apply(domain);
            change.accept(state);
            save.accept(domain, state);
        }
    }

    /** Saves every state in memory that changed since it was last saved. */
    public synchronized void checkpoint() {
        List<String> domains = new ArrayList<>(resident.keySet());
        domains.sort(Comparator.naturalOrder());
        for (String domain : domains) {
            Entry<S> e = resident.get(domain);
            if (e.changed) {
                save.accept(domain, e.state);
                e.changed = false;
            }
        }
    }

    /** The entry of a domain, brought into memory if needed. Holds the lock. */
    private Entry<S> entry(String domain) {
        Entry<S> e = resident.get(domain);
        if (e != null) {
            return e;
        }
        if (resident.size() >= capacity) {
            dropLeastRecentlyUsed();
        }
        e = new Entry<>(load.apply(domain));
        resident.put(domain, e);
        dropped.remove(domain);
        return e;
    }

    private void dropLeastRecentlyUsed() {
        String oldest = null;
        long oldestUse = Long.MAX_VALUE;
        for (Map.Entry<String, Entry<S>> e : resident.entrySet()) {
            if (e.getValue().lastUse < oldestUse) {
                oldestUse = e.getValue().lastUse;
                oldest = e.getKey();
            }
        }
        Entry<S> e = resident.get(oldest);
        if (e.changed) {
            save.accept(oldest, e.state);
        }
        resident.remove(oldest);
        dropped.add(oldest);
    }
}
