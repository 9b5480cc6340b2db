package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Dashboard sessions in virtual time. */
class DashboardSessionsTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.EPOCH);
    private final DashboardSessions sessions = new DashboardSessions(now::get, new SplittableRandom(7),
            Duration.ofHours(1), 2);

    @Test
    void aSessionLastsItsTimeToLiveAndEndsOnClose() {
        String token = sessions.open();
        assertThat(token).hasSize(43); // 256 bits, base64url
        assertThat(sessions.valid(token)).isTrue();
        assertThat(sessions.valid(token + "x")).isFalse();
        now.set(Instant.EPOCH.plus(Duration.ofMinutes(59)));
        assertThat(sessions.valid(token)).isTrue();
        now.set(Instant.EPOCH.plus(Duration.ofHours(1)));
        assertThat(sessions.valid(token)).isFalse();
        String other = sessions.open();
        sessions.close(other);
        assertThat(sessions.valid(other)).isFalse();
    }

    @Test
    void openingBeyondTheLimitDropsTheSessionClosestToExpiry() {
        String first = sessions.open();
        now.set(Instant.EPOCH.plusSeconds(10));
        String second = sessions.open();
        String third = sessions.open();
        assertThat(sessions.valid(first)).isFalse();
        assertThat(sessions.valid(second)).isTrue();
        assertThat(sessions.valid(third)).isTrue();
    }
}
