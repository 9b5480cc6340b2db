package dev.iccache.store.cassandra;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import dev.iccache.tenant.SharedState;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link SharedState} in the {@code learned_state} table of the bank's keyspace, on the store's session: reads at
 * QUORUM, writes as lightweight transactions ({@code IF NOT EXISTS}, {@code IF version = ?}) at QUORUM with SERIAL
 * Paxos (docs/example-store.md, "Shared learned state").
 */
final class CassandraSharedState implements SharedState {
    static final String TABLE = "learned_state";

    private final CqlSession session;
    private final PreparedStatement select;
    private final PreparedStatement insert;
    private final PreparedStatement update;

    CassandraSharedState(CqlSession session, String keyspace) {
        this.session = session;
        String table = keyspace + "." + TABLE;
        select = prepare("SELECT state, version FROM " + table + " WHERE domain = ? AND name = ?");
        insert = prepare("INSERT INTO " + table + " (domain, name, state, version) VALUES (?, ?, ?, ?) IF NOT EXISTS");
        update = prepare("UPDATE " + table + " SET state = ?, version = ? WHERE domain = ? AND name = ? IF version = ?");
    }

    /** The statement that creates the table (idempotent). */
    static String schema(String keyspace) {
        return "CREATE TABLE IF NOT EXISTS " + keyspace + "." + TABLE
                + " (domain text, name text, state text, version uuid, PRIMARY KEY ((domain), name))";
    }

    private PreparedStatement prepare(String cql) {
        return session.prepare(SimpleStatement.newInstance(cql).setConsistencyLevel(ConsistencyLevel.QUORUM)
                .setSerialConsistencyLevel(ConsistencyLevel.SERIAL));
    }

    @Override
    public Optional<Versioned> read(String domain, String name) {
        try {
            Row row = session.execute(select.bind(domain, name)).one();
            return Optional.ofNullable(row).map(r -> new Versioned(r.getString("state"), r.getUuid("version")));
        } catch (DriverException e) {
            throw CassandraExampleStore.unavailable("reading the shared " + name + " of domain " + domain, e);
        }
    }

    @Override
    public boolean create(String domain, String name, String json) {
        UUID version = Uuids.random();
        return LightweightTransactions.applied(session, insert.bind(domain, name, json, version),
                select.bind(domain, name), "version", version, "the shared " + name + " of domain " + domain);
    }

    @Override
    public boolean replace(String domain, String name, UUID expected, String json) {
        UUID version = Uuids.random();
        return LightweightTransactions.applied(session, update.bind(json, version, domain, name, expected),
                select.bind(domain, name), "version", version, "the shared " + name + " of domain " + domain);
    }
}
