package dev.iccache.bank;

import static dev.iccache.bank.ExampleStoreContract.T0;
import static dev.iccache.bank.ExampleStoreContract.example;
import static dev.iccache.bank.ExampleStoreContract.unitVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two mirrors of one shared bank (two gateways): what one writes, the other finds after its next sync. */
class MirroredExampleStoreTest {
    private static final int DIM = 8;

    @TempDir
    Path dir;
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private final SharedMemoryBank bank = new SharedMemoryBank(now::get);
    private final Random random = new Random(5);
    private final InMemoryExampleStore localOfB = new InMemoryExampleStore();
    private MirroredExampleStore a;
    private MirroredExampleStore b;

    @BeforeEach
    void open() {
        a = mirror(new InMemoryExampleStore(), dir.resolve("a.json"));
        b = mirror(localOfB, dir.resolve("b.json"));
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    private MirroredExampleStore mirror(ExampleStore local, Path position) {
        SharedMemoryBank.Instance shared = bank.instance();
        return MirroredExampleStore.open(shared, shared, local, position, now::get);
    }

    private void tick(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    /** Puts the example "kept" through a; b syncs it and closes. */
    private void putThroughAThenCloseBAfterItsSync() {
        a.put(example("kept", "t", unitVector(random, DIM)));
        tick(Duration.ofMillis(250));
        b.sync();
        b.close();
    }

    private List<String> found(MirroredExampleStore store, Example e) {
        return store.search(e.vector(), Set.of(e.tenant()), 5, now.get()).stream().map(h -> h.example().id()).toList();
    }

    @Test
    void aPutWhoseChangeIsReadBeforeItsRowIsAppliedAtTheNextSync() {
        Example e = example("late", "t", unitVector(random, DIM));
        // another gateway's change is readable, its row not yet (a logged batch applies the two apart)
        bank.record(now.get(), "late", StoreChange.Kind.PUT, UUID.randomUUID());
        tick(Duration.ofMillis(250));
        b.sync();
        assertThat(found(b, e)).isEmpty();

        bank.examples().put(e);
        tick(Duration.ofMillis(250));
        b.sync();
        assertThat(found(b, e)).as("read again, now that the row is there").containsExactly("late");
    }

    @Test
    void aPutThroughOneMirrorIsFoundThroughTheOtherAfterItsSync() {
        Example e = example("e", "t", unitVector(random, DIM));
        a.put(e);
        assertThat(found(a, e)).containsExactly("e");
        assertThat(found(b, e)).isEmpty();

        tick(Duration.ofMillis(250));
        assertThat(b.sync()).isEqualTo(1);

        assertThat(found(b, e)).containsExactly("e");
        assertThat(a.sync()).as("a's own put is not read again").isZero();
    }

    @Test
    void deletesOfEveryKindReachTheOtherMirror() {
        Example one = example("one", "t", unitVector(random, DIM));
        Example two = example("two", "t", unitVector(random, DIM)).withUser(Optional.of("u"));
        Example three = example("three", "other", unitVector(random, DIM));
        a.putAll(List.of(one, two, three));
        tick(Duration.ofMillis(250));
        b.sync();

        a.delete("one");
        a.deleteUser("t", "u");
        a.deleteTenant("other");
        tick(Duration.ofMillis(250));
        b.sync();

        assertThat(localOfB.stats().count()).isZero();
        assertThat(found(b, two)).isEmpty();
    }

    @Test
    void statisticsChangedThroughOneMirrorReachBothLocalCopies() {
        Example e = example("e", "t", unitVector(random, DIM));
        a.put(e);
        tick(Duration.ofMillis(250));
        b.sync();

        b.updateStats(List.of(new StatsDelta("e", 3, 1, 0.5)), now.get());
        ExampleStats truth = bank.examples().get("e").orElseThrow().stats();
        tick(Duration.ofMillis(250));
        a.sync();
        b.sync();

        assertThat(a.search(e.vector(), Set.of("t"), 1, now.get()).get(0).example().stats()).isEqualTo(truth);
        assertThat(b.search(e.vector(), Set.of("t"), 1, now.get()).get(0).example().stats()).isEqualTo(truth);
        assertThat(truth.uses()).isEqualTo(3);
    }

    @Test
    void aChangeReadableOnlyAfterTheNextSyncBeganIsStillApplied() {
        Example e = example("late", "t", unitVector(random, DIM));
        bank.examples().put(e);
        Instant madeAt = now.get();
        tick(Duration.ofSeconds(2));
        b.sync();
        // acknowledged only now, two seconds after its time and after b's last sync began
        bank.record(madeAt, "late", StoreChange.Kind.PUT, bank.instance().origin());
        tick(Duration.ofMillis(250));

        assertThat(b.sync()).isEqualTo(1);
        assertThat(found(b, e)).containsExactly("late");
    }

    @Test
    void aMirrorReopenedWithinTheRetentionCatchesUpWithoutCopying() {
        putThroughAThenCloseBAfterItsSync();
        // what a copy would not know: the local copy holds an example the bank never had
        Example stray = example("stray", "t", unitVector(random, DIM));
        localOfB.put(stray);
        Example added = example("added", "t", unitVector(random, DIM));
        a.put(added);
        a.delete("kept");
        tick(Duration.ofMinutes(10));

        b = mirror(localOfB, dir.resolve("b.json"));

        assertThat(localOfB.get("added")).isPresent();
        assertThat(localOfB.get("kept")).isEmpty();
        assertThat(localOfB.get("stray")).as("caught up, not copied").isPresent();
    }

    @Test
    void aMirrorBehindTheRetentionOrOfAnotherBankIsCopiedAnew() {
        putThroughAThenCloseBAfterItsSync();
        localOfB.put(example("stray", "t", unitVector(random, DIM)));
        tick(SharedMemoryBank.RETENTION);

        b = mirror(localOfB, dir.resolve("b.json"));

        assertThat(localOfB.get("stray")).isEmpty();
        assertThat(localOfB.get("kept")).isPresent();

        b.close();
        localOfB.put(example("stray", "t", unitVector(random, DIM)));
        SharedMemoryBank other = new SharedMemoryBank(now::get);
        SharedMemoryBank.Instance shared = other.instance();
        b = MirroredExampleStore.open(shared, shared, localOfB, dir.resolve("b.json"), now::get);
        assertThat(localOfB.stats().count()).as("another bank: copied, and it is empty").isZero();
    }

    @Test
    void aSyncThatFailsLeavesItsPositionToTheNext() {
        Example e = example("e", "t", unitVector(random, DIM));
        a.put(e);
        bank.down(true);
        tick(Duration.ofSeconds(30));
        assertThatThrownBy(b::sync).isInstanceOf(IllegalStateException.class);
        tick(Duration.ofSeconds(30));
        assertThat(b.behind(now.get())).isEqualTo(Duration.ofMinutes(1));
        bank.down(false);

        assertThat(b.sync()).isEqualTo(1);
        assertThat(found(b, e)).containsExactly("e");
        assertThat(b.behind(now.get())).isZero();
    }

    @Test
    void aChangeWhoseExampleCouldNotBeReadIsAppliedByTheNextSync() {
        Example e = example("e", "t", unitVector(random, DIM));
        a.put(e);
        tick(Duration.ofMillis(250));
        bank.failNextRead();
        assertThatThrownBy(b::sync).hasMessageContaining("reading the examples failed");
        tick(Duration.ofMillis(250));

        assertThat(b.sync()).isEqualTo(1);
        assertThat(found(b, e)).containsExactly("e");
    }

    @Test
    void aPositionFileThatIsNotOneStopsTheStartWithItsName() throws Exception {
        b.close();
        java.nio.file.Files.writeString(dir.resolve("b.json"), "not json");

        assertThatThrownBy(() -> mirror(localOfB, dir.resolve("b.json")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("b.json")
                .hasMessageContaining("copy the bank anew");
        b = mirror(localOfB, dir.resolve("b-new.json"));
    }
}
