package dev.iccache.server;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * Signed-in dashboard sessions: random tokens (256 bits) held in memory with an expiry, so a
 * restart signs everyone out. At most {@code max} at once: opening one more drops the expired ones,
 * then the one closest to expiry. Thread-safe.
 */
final class DashboardSessions {
    private final InstantSource clock;
    private final RandomGenerator random;
    private final Duration ttl;
    private final int max;
    private final Map<String, Instant> expiries = new ConcurrentHashMap<>();

    /** @param random a cryptographically strong generator (a {@link java.security.SecureRandom}) */
    DashboardSessions(InstantSource clock, RandomGenerator random, Duration ttl, int max) {
        this.clock = clock;
        this.random = random;
        this.ttl = ttl;
        this.max = max;
    }

    /** A new session's token. */
    synchronized String open() {
        Instant now = clock.instant();
        expiries.values().removeIf(e -> !e.isAfter(now));
        while (expiries.size() >= max) {
            expiries.entrySet().stream().min(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                    .ifPresent(e -> expiries.remove(e.getKey()));
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        expiries.put(token, now.plus(ttl));
        return token;
    }

    /** Whether {@code token} names a session that has not expired. */
    boolean valid(String token) {
        Instant expiry = expiries.get(token);
        return expiry != null && expiry.isAfter(clock.instant());
    }

    void close(String token) {
        expiries.remove(token);
    }

    /** How long a session lasts. */
    Duration ttl() {
        return ttl;
    }
}
