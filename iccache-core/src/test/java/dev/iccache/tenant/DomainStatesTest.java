package dev.iccache.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Lazy creation, a bounded number of states in memory, and nothing learned is lost when one is dropped. */
class DomainStatesTest {
    /** The "disk": each domain's saved count. */
    private final Map<String, Integer> saved = new HashMap<>();
    private final List<String> loads = new ArrayList<>();
    private final List<String> saves = new ArrayList<>();

    private DomainStates<AtomicInteger> states(int capacity) {
        return new DomainStates<>(domain -> {
            loads.add(domain);
            return new AtomicInteger(saved.getOrDefault(domain, 0));
        }, (domain, state) -> {
            saves.add(domain);
            saved.put(domain, state.get());
        }, capacity);
    }

    @Test
    void aDomainsStateIsCreatedOnItsFirstUseOnly() {
        DomainStates<AtomicInteger> states = states(4);
        assertThat(states.resident()).isEmpty();
        assertThat(states.ifResident("a")).isEmpty();
        AtomicInteger a = states.get("a");
        assertThat(states.get("a")).isSameAs(a);
        assertThat(loads).containsExactly("a");
        assertThat(states.ifResident("a")).containsSame(a);
        assertThat(states.settled("a")).containsSame(a);
        assertThat(states.settled("b")).as("settled never loads").isEmpty();
    }

    @Test
    void beyondTheCapacityTheLeastRecentlyUsedIsSavedDroppedAndLoadedAgainWithWhatItLearned() {
        DomainStates<AtomicInteger> states = states(2);
        states.update("a", AtomicInteger::incrementAndGet);
        states.update("b", n -> n.addAndGet(10));
        states.get("a");
        states.get("c");
        assertThat(states.resident()).containsExactlyInAnyOrder("a", "c");
        assertThat(saves).as("b was the least recently used").containsExactly("b");
        states.update("b", n -> n.addAndGet(5));
        assertThat(states.get("b").get()).isEqualTo(15);
        assertThat(states.resident()).hasSize(2);
        assertThat(saves).as("a had changed, c had not: only a is written").containsExactly("b", "a");
        assertThat(states.get("a").get()).isEqualTo(1);
    }

    @Test
    void aCheckpointWritesOnlyWhatChangedSinceTheLastOne() {
        DomainStates<AtomicInteger> states = states(4);
        states.get("a");
        states.update("b", AtomicInteger::incrementAndGet);
        states.checkpoint();
        assertThat(saves).containsExactly("b");
        states.checkpoint();
        assertThat(saves).containsExactly("b");
        states.update("a", AtomicInteger::incrementAndGet);
        states.checkpoint();
        assertThat(saves).containsExactly("b", "a");
    }

    @Test
    void aChangeToEveryStateReachesTheDroppedOnesWithoutBringingThemBack() {
        DomainStates<AtomicInteger> states = states(1);
        states.update("a", n -> n.set(1));
        states.update("b", n -> n.set(2));
        assertThat(states.resident()).containsExactly("b");
        states.updateAll(n -> n.addAndGet(100));
        assertThat(saved).containsEntry("a", 101);
        assertThat(states.resident()).containsExactly("b");
        assertThat(states.get("b").get()).isEqualTo(102);
        assertThat(states.get("a").get()).isEqualTo(101);
    }

    @Test
    void atLeastOneStateMustFit() {
        assertThatThrownBy(() -> states(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
