package dev.iccache.tenant;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** {@link SharedState} in this process's memory, for tests. */
public final class InMemorySharedState implements SharedState {
    private record Key(String domain, String name) {
    }

    private final Map<Key, Versioned> documents = new ConcurrentHashMap<>();

    @Override
    public Optional<Versioned> read(String domain, String name) {
        return Optional.ofNullable(documents.get(new Key(domain, name)));
    }

    @Override
    public boolean create(String domain, String name, String json) {
        return documents.putIfAbsent(new Key(domain, name), new Versioned(json, UUID.randomUUID())) == null;
    }

    @Override
    public boolean replace(String domain, String name, UUID expected, String json) {
        Key key = new Key(domain, name);
        Versioned current = documents.get(key);
        return current != null && current.version().equals(expected)
                && documents.replace(key, current, new Versioned(json, UUID.randomUUID()));
    }
}
