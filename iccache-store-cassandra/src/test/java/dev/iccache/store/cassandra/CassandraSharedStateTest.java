package dev.iccache.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.iccache.tenant.SharedState;
import dev.iccache.tenant.SharedStateContract;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared state contract against a real Cassandra node: one store's shared state, its table emptied before each
 * test.
 */
@ExtendWith(CassandraNode.class)
class CassandraSharedStateTest extends SharedStateContract {
    private static final String KEYSPACE = "iccache_shared_contract";
    private static CqlSession admin;
    private static CassandraExampleStore store;

    @BeforeAll
    static void connect() {
        admin = CqlSession.builder().addContactPoint(new InetSocketAddress("127.0.0.1", 9042))
                .withLocalDatacenter(CassandraNode.DATACENTER).build();
        store = CassandraExampleStore.open(CassandraStoreSettings.of(List.of(CassandraNode.CONTACT_POINT),
                CassandraNode.DATACENTER, KEYSPACE, 1, 4));
    }

    @AfterAll
    static void disconnect() {
        if (store != null) {
            store.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    @Override
    protected SharedState open() {
        admin.execute(SimpleStatement.newInstance("TRUNCATE " + KEYSPACE + "." + CassandraSharedState.TABLE)
                .setTimeout(Duration.ofMinutes(1)));
        return store.sharedState();
    }
}
