package dev.iccache.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.backend.CircuitBreaker.State;
import dev.iccache.config.BreakerSettings;
import dev.iccache.time.VirtualClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The breaker's state machine, on a virtual clock. */
class CircuitBreakerTest {
    private static final long MS = 1_000_000;
    private final VirtualClock clock = new VirtualClock();
    private final List<String> transitions = new ArrayList<>();
    private final CircuitBreaker breaker = new CircuitBreaker(new BreakerSettings(3, 1_000, 4_000), clock,
            (from, to) -> transitions.add(from + "->" + to));

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            breaker.tryAcquire().orElseThrow().failed();
        }
    }

    @Test
    void opensAfterConsecutiveFailuresOnly() {
        fail(2);
        breaker.tryAcquire().orElseThrow().succeeded(); // resets the count
        fail(2);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        fail(1);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.available()).isFalse();
        assertThat(breaker.tryAcquire()).isEmpty();
        assertThat(breaker.nanosUntilProbe()).isEqualTo(1_000 * MS);
        assertThat(transitions).containsExactly("CLOSED->OPEN");
    }

    @Test
    void afterTheCoolDownOneProbeGoesAndItsSuccessCloses() {
        fail(3);
        clock.sleepNanos(999 * MS);
        assertThat(breaker.tryAcquire()).isEmpty();
        clock.sleepNanos(MS);
        assertThat(breaker.available()).isTrue();
        CircuitBreaker.Permit probe = breaker.tryAcquire().orElseThrow();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.available()).as("one probe at a time").isFalse();
        assertThat(breaker.tryAcquire()).isEmpty();
        probe.succeeded();
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.tryAcquire()).isPresent();
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    }

    @Test
    void aFailedProbeDoublesTheCoolDownUpToTheMaximum() {
        fail(3);
        long[] expected = {2_000, 4_000, 4_000};
        for (long coolDown : expected) {
            clock.sleepNanos(breaker.nanosUntilProbe());
            breaker.tryAcquire().orElseThrow().failed();
            assertThat(breaker.state()).isEqualTo(State.OPEN);
            assertThat(breaker.nanosUntilProbe()).isEqualTo(coolDown * MS);
        }
        clock.sleepNanos(4_000 * MS);
        breaker.tryAcquire().orElseThrow().succeeded();
        fail(3);
        assertThat(breaker.nanosUntilProbe()).as("a close resets the cool-down").isEqualTo(1_000 * MS);
    }

    @Test
    void anAbandonedProbeLetsTheNextCallProbe() {
        fail(3);
        clock.sleepNanos(1_000 * MS);
        breaker.tryAcquire().orElseThrow().abandoned();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        CircuitBreaker.Permit next = breaker.tryAcquire().orElseThrow();
        next.failed();
        next.succeeded(); // a second report is ignored
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void outcomesOfCallsFromBeforeAChangeOfStateAreIgnored() {
        CircuitBreaker.Permit early = breaker.tryAcquire().orElseThrow();
        fail(3);
        clock.sleepNanos(1_000 * MS);
        CircuitBreaker.Permit probe = breaker.tryAcquire().orElseThrow();
        early.succeeded();
        assertThat(breaker.state()).as("only the probe decides").isEqualTo(State.HALF_OPEN);
        probe.failed();
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void zeroFailuresTurnsTheBreakerOff() {
        CircuitBreaker off = new CircuitBreaker(new BreakerSettings(0, 1_000, 1_000), clock, (from, to) -> { });
        for (int i = 0; i < 100; i++) {
            off.tryAcquire().orElseThrow().failed();
        }
        assertThat(off.state()).isEqualTo(State.CLOSED);
        assertThat(off.available()).isTrue();
    }
}
