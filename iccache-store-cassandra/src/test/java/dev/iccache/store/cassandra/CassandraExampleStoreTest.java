package dev.iccache.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.ExampleStoreContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared store contract against a real Cassandra node. The tests share one keyspace, emptied before
 * each (a keyspace per test costs about 10 s of schema changes on this machine; a truncate well under 1 s).
 */
@ExtendWith(CassandraNode.class)
class CassandraExampleStoreTest extends ExampleStoreContract {
    private static CqlSession admin;

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

    private static final String KEYSPACE = "iccache_contract";

    @Override
    protected ExampleStore open(Path dir) {
        return CassandraExampleStore.open(CassandraStoreSettings.of(List.of(CassandraNode.CONTACT_POINT),
                CassandraNode.DATACENTER, KEYSPACE, 1, DIM));
    }

    @Override
    protected boolean supportsReopen() {
        return true;
    }

    @BeforeEach
    void emptyTheBank() {
        admin.execute(SimpleStatement.newInstance("TRUNCATE " + KEYSPACE + "." + ExampleRows.TABLE)
                .setTimeout(Duration.ofMinutes(1)));
    }
}
