package dev.iccache.server;

import dev.iccache.config.BankConfig;
import dev.iccache.config.CassandraConfig;
import dev.iccache.store.cassandra.CassandraNode;
import java.util.List;

/** Banks on the tests' local Cassandra node for gateways under test. */
final class CassandraBanks {
    private CassandraBanks() {
    }

    /**
     * A bank configuration on {@code keyspace} (replication 1), dropped first so that each test starts empty;
     * searched in a node-local mirror synced every 50 ms.
     */
    static BankConfig fresh(String keyspace) {
        return fresh(keyspace, "local");
    }

    /** The same with searches where {@code search} says ({@code local} or {@code cassandra}). */
    static BankConfig fresh(String keyspace, String search) {
        CassandraNode.adminWithout(keyspace).close();
        CassandraConfig cassandra = new CassandraConfig(List.of(CassandraNode.CONTACT_POINT), CassandraNode.DATACENTER,
                keyspace, 1, search, 50);
        return new BankConfig(true, "cassandra", List.of(), 0.98, 0, 1000, 0, 0, cassandra);
    }
}
