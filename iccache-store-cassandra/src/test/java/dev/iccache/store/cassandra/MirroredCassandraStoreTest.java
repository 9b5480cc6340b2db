package dev.iccache.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.ExampleStoreContract;
import dev.iccache.bank.MirroredExampleStore;
import dev.iccache.bank.StatsDelta;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract for Cassandra searched through a node-local Lucene mirror (no vector index in Cassandra), and
 * two mirrors on one keyspace (two gateways): what one writes, the other has after its next sync.
 */
@ExtendWith(CassandraNode.class)
class MirroredCassandraStoreTest extends ExampleStoreContract {
    private static final String KEYSPACE = "iccache_mirror";
    private static CqlSession admin;

    @TempDir
    Path otherDir;

    @BeforeAll
    static void connect() {
        admin = CassandraNode.adminWithout(KEYSPACE);
    }

    @AfterAll
    static void disconnect() {
        if (admin != null) {
            admin.close();
        }
    }

    /** After each test (before the contract closes the store), so that the next test's new mirror copies nothing. */
    @AfterEach
    void emptyTheBank() {
        for (String table : List.of(ExampleRows.TABLE, ChangeRows.TABLE)) {
            admin.execute(SimpleStatement.newInstance("TRUNCATE " + KEYSPACE + "." + table)
                    .setTimeout(Duration.ofMinutes(1)));
        }
    }

    @Override
    protected ExampleStore open(Path dir) {
        return mirror(dir);
    }

    /** The shared store of a gateway that searches its mirror: no vector index. */
    private static CassandraStoreSettings sharedSettings() {
        return CassandraStoreSettings.of(List.of(CassandraNode.CONTACT_POINT), CassandraNode.DATACENTER, KEYSPACE, 1,
                DIM).withoutVectorSearch();
    }

    private static MirroredExampleStore mirror(Path dir) {
        CassandraExampleStore cassandra = CassandraExampleStore.open(sharedSettings());
        return MirroredExampleStore.open(cassandra, cassandra, LuceneExampleStore.open(dir.resolve("local")),
                dir.resolve("mirror.json"), InstantSource.system());
    }

    @Override
    protected boolean supportsReopen() {
        return true;
    }

    private static List<String> found(ExampleStore store, Example e) {
        return ids(store.search(e.vector(), Set.of(e.tenant()), 3, Instant.now()));
    }

    @Test
    void whatOneMirrorWritesTheOtherHasAfterItsNextSync() {
        Random random = new Random(3);
        Example kept = example("kept", "t", unitVector(random, DIM));
        Example dropped = example("dropped", "t", unitVector(random, DIM)).withUser(Optional.of("u"));
        try (MirroredExampleStore other = mirror(otherDir)) {
            store.putAll(List.of(kept, dropped));
            assertThat(found(other, kept)).doesNotContain("kept");

            assertThat(other.sync()).isEqualTo(2);
            assertThat(found(other, kept)).startsWith("kept");
            assertThat(found(other, dropped)).startsWith("dropped");

            store.deleteUser("t", "u");
            store.updateStats(List.of(new StatsDelta("kept", 4, 1, 0.5)), T0);
            other.sync();

            assertThat(found(other, dropped)).containsExactly("kept");
            assertThat(other.search(kept.vector(), Set.of("t"), 1, Instant.now()).get(0).example().stats())
                    .isEqualTo(store.get("kept").orElseThrow().stats())
                    .matches(s -> s.uses() == 4);
        }
    }

    @Test
    void aMirrorClosedWhileTheOtherWroteCatchesUpWhenReopened() {
        Random random = new Random(4);
        Example before = example("before", "t", unitVector(random, DIM));
        store.put(before);
        MirroredExampleStore other = mirror(otherDir);
        assertThat(found(other, before)).startsWith("before");
        other.close();

        Example added = example("added", "t", unitVector(random, DIM));
        store.put(added);
        store.delete("before");

        try (MirroredExampleStore reopened = mirror(otherDir)) {
            assertThat(found(reopened, added)).containsExactly("added");
        }
    }

    @Test
    void theSharedStoreWithoutAVectorIndexSaysWhereSearchesGo() {
        try (CassandraExampleStore shared = CassandraExampleStore.open(sharedSettings())) {
            assertThatThrownBy(() -> shared.search(unitVector(new Random(1), DIM), Set.of("t"), 3, T0))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("mirror answers searches");
        }
    }
}
