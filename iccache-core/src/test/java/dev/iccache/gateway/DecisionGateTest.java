package dev.iccache.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.config.DecisionLimits;
import dev.iccache.testing.Eventually;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DecisionGateTest {
    @Test
    void aFullGateSendsTheNextRequestOnAtOnceWhenNoneMayWait() {
        DecisionGate gate = new DecisionGate(new DecisionLimits(1, 0, 60_000));
        assertThat(gate.enter()).isTrue();
        assertThat(gate.enter()).isFalse();
        gate.exit();
        assertThat(gate.enter()).isTrue();
    }

    @Test
    void aWaitingRequestGetsTheSlotWhenItIsReturnedAndAFullQueueTurnsTheNextAway() throws Exception {
        DecisionGate gate = new DecisionGate(new DecisionLimits(1, 1, 60_000));
        assertThat(gate.enter()).isTrue();
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(gate::enter,
                r -> Thread.ofVirtual().start(r));
        assertThat(Eventually.holds(() -> gate.waiting() == 1)).isTrue();
        assertThat(gate.enter()).as("the queue holds one and it is taken").isFalse();
        assertThat(gate.waiting()).isEqualTo(1);
        gate.exit();
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gate.waiting()).isZero();
    }

    @Test
    void aRequestThatWaitsInVainBypasses() throws Exception {
        DecisionGate gate = new DecisionGate(new DecisionLimits(1, 4, 1));
        assertThat(gate.enter()).isTrue();
        assertThat(CompletableFuture.supplyAsync(gate::enter, r -> Thread.ofVirtual().start(r))
                .get(30, TimeUnit.SECONDS)).isFalse();
        assertThat(gate.waiting()).isZero();
    }

    @Test
    void withoutALimitNothingWaits() {
        DecisionGate gate = new DecisionGate(DecisionLimits.NONE);
        for (int i = 0; i < 1_000; i++) {
            assertThat(gate.enter()).isTrue();
        }
        assertThat(gate.waiting()).isZero();
    }

    @Test
    void severalSlotsAreTakenBeforeAnyoneWaits() {
        DecisionGate gate = new DecisionGate(new DecisionLimits(3, 0, 60_000));
        assertThat(gate.enter()).isTrue();
        assertThat(gate.enter()).isTrue();
        assertThat(gate.enter()).isTrue();
        assertThat(gate.enter()).isFalse();
        gate.exit();
        assertThat(gate.enter()).isTrue();
    }
}
