package dev.iccache.select;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The most recent entries by key, bounded (oldest dropped first). Thread-safe. */
public final class RecentLog<V> {
    private final Map<String, V> entries;

    public RecentLog(int capacity) {
        this.entries = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void put(String key, V value) {
        entries.put(key, value);
    }

    public synchronized Optional<V> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** Removes and returns an entry (so that it is acted on once). */
    public synchronized Optional<V> take(String key) {
        return Optional.ofNullable(entries.remove(key));
    }
}
