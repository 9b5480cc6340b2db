package dev.iccache.store.cassandra;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.metadata.schema.TableMetadata;
import com.datastax.oss.driver.api.core.type.DataType;
import com.datastax.oss.driver.api.core.type.VectorType;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.bank.ChangeFeed;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.bank.StatsDelta;
import dev.iccache.bank.StoreChange;
import dev.iccache.bank.StoreStats;
import dev.iccache.tenant.SharedState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The example store on Apache Cassandra 5: one row per example, vector search by a storage-attached
 * (SAI) ANN index with the tenant and expiry restrictions inside the query. Several gateways may share
 * one keyspace. Writes are at QUORUM, reads by id and scans at QUORUM, vector searches at LOCAL_ONE;
 * statistics change by compare-and-set (a lightweight transaction), so concurrent gateways lose no
 * update. Every write also records its changes in the {@code changes} table, the {@link ChangeFeed} a
 * {@link dev.iccache.bank.MirroredExampleStore node-local mirror} follows. The keyspace also holds the gateways'
 * {@link #sharedState() shared learned state}. See docs/example-store.md, "CassandraExampleStore".
 */
public final class CassandraExampleStore implements ExampleStore, ChangeFeed {
    /** Consistency of every write and of the reads that must see acknowledged writes. */
    static final ConsistencyLevel WRITE = ConsistencyLevel.QUORUM;
    static final ConsistencyLevel READ = ConsistencyLevel.QUORUM;
    /** Vector searches: one replica per range, the latency-critical path (docs/example-store.md, "Consistency"). */
    static final ConsistencyLevel SEARCH = ConsistencyLevel.LOCAL_ONE;
    private static final Duration SCHEMA_TIMEOUT = Duration.ofMinutes(2);
    private static final int MAX_IN_FLIGHT = 16;

    private final CqlSession session;
    private final String keyspace;
    private final int dimensions;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final PreparedStatement insert;
    private final PreparedStatement selectById;
    /** The ANN query, when the store searches (Cassandra cannot prepare it without the vector index). */
    private final Optional<PreparedStatement> searchTenant;
    private final PreparedStatement deleteIfExists;
    private final PreparedStatement idsOfTenant;
    private final PreparedStatement idsOfUser;
    private final PreparedStatement expiredIds;
    private final PreparedStatement deleteIfExpired;
    private final PreparedStatement statsById;
    private final PreparedStatement casStats;
    private final PreparedStatement scanAll;
    private final PreparedStatement scanTenant;
    private final PreparedStatement sizes;
    private final CassandraSharedState shared;
    private final PreparedStatement recordChange;
    private final PreparedStatement changesOfBucket;
    private final UUID origin = Uuids.random();
    private final String identity;

    private CassandraExampleStore(CqlSession session, String keyspace, int dimensions, boolean vectorSearch,
            String identity) {
        this.identity = identity;
        this.session = session;
        this.keyspace = keyspace;
        this.dimensions = dimensions;
        String table = keyspace + "." + ExampleRows.TABLE;
        String all = ExampleRows.selectAll() + table;
        insert = idempotent(ExampleRows.insert(keyspace), WRITE);
        selectById = idempotent(all + " WHERE id = ?", READ);
        searchTenant = vectorSearch ? Optional.of(idempotent(all
                + " WHERE tenant = ? AND expires_at > ? ORDER BY vec ANN OF ? LIMIT ?", SEARCH)) : Optional.empty();
        deleteIfExists = prepare("DELETE FROM " + table + " WHERE id = ? IF EXISTS", WRITE);
        idsOfTenant = idempotent("SELECT id FROM " + table + " WHERE tenant = ?", READ);
        idsOfUser = idempotent("SELECT id FROM " + table + " WHERE tenant = ? AND end_user = ? ALLOW FILTERING", READ);
        expiredIds = idempotent("SELECT id FROM " + table + " WHERE expires_at <= ?", READ);
        deleteIfExpired = prepare("DELETE FROM " + table + " WHERE id = ? IF expires_at <= ?", WRITE);
        statsById = idempotent("SELECT " + String.join(", ", ExampleRows.STATS_COLUMNS) + ", stats_version FROM " + table
                + " WHERE id = ?", READ);
        casStats = prepare("UPDATE " + table + " SET " + String.join(", ",
                ExampleRows.STATS_COLUMNS.stream().map(c -> c + " = :" + c).toList())
                + ", stats_version = :new_version WHERE id = :id IF stats_version = :old_version", WRITE);
        scanAll = idempotent(all, READ);
        scanTenant = idempotent(all + " WHERE tenant = ?", READ);
        sizes = idempotent("SELECT tenant, plaintext_bytes FROM " + table, READ);
        shared = new CassandraSharedState(session, keyspace);
        recordChange = idempotent(ChangeRows.insert(keyspace), WRITE);
        changesOfBucket = idempotent(ChangeRows.select(keyspace), READ);
    }

    /**
     * Connects to the cluster and opens the bank in {@code settings.keyspace()}, creating the keyspace,
     * the table and its indexes if absent. Fails if the table's vectors have another dimension.
     */
    public static CassandraExampleStore open(CassandraStoreSettings settings) {
        CqlSession session;
        try {
            session = CqlSession.builder().addContactPoints(settings.contactPoints())
                    .withLocalDatacenter(settings.localDatacenter())
                    .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
                            // Not V5: Cassandra 5 adds a contention count to a CAS write timeout there, which the
                            // driver does not read, and it drops the connection (docs/example-store.md).
                            .withString(DefaultDriverOption.PROTOCOL_VERSION, "V4")
                            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(60))
                            .build())
                    .build();
        } catch (DriverException e) {
            throw unavailable("connecting to " + settings.contactPoints(), e);
        }
        try {
            String tableId = createSchema(session, settings);
            return new CassandraExampleStore(session, settings.keyspace(), settings.dimensions(),
                    settings.vectorSearch(), "cassandra:" + settings.keyspace() + ":" + tableId);
        } catch (RuntimeException e) {
            session.close();
            throw e instanceof DriverException d ? unavailable("creating the bank's schema", d) : e;
        }
    }

    /** Creates what is missing; returns the id of the examples table (a new one when the table is created anew). */
    private static String createSchema(CqlSession session, CassandraStoreSettings settings) {
        String keyspace = settings.keyspace();
        ddl(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = {'class': 'SimpleStrategy', "
                + "'replication_factor': " + settings.replicationFactor() + "}");
        for (String statement : ExampleRows.schema(keyspace, settings.dimensions(), settings.vectorSearch())) {
            ddl(session, statement);
        }
        ddl(session, CassandraSharedState.schema(keyspace));
        ddl(session, ChangeRows.schema(keyspace));
        TableMetadata table = session.getMetadata().getKeyspace(keyspace).flatMap(k -> k.getTable(ExampleRows.TABLE))
                .orElseThrow(() -> new IccacheException(ErrorKind.INTERNAL, "the example table " + keyspace + "."
                        + ExampleRows.TABLE + " was not created", null, "store_unusable", null));
        DataType type = table.getColumn("vec").orElseThrow().getType();
        if (!(type instanceof VectorType v) || v.getDimensions() != settings.dimensions()) {
            throw new IccacheException(ErrorKind.INTERNAL, "the example table " + keyspace + "." + ExampleRows.TABLE
                    + " holds " + type.asCql(false, true) + ", not vectors of " + settings.dimensions()
                    + " dimensions (another embedder?); use another keyspace", null, "store_format", null);
        }
        return table.getId().map(UUID::toString).orElse("");
    }

    private static void ddl(CqlSession session, String cql) {
        session.execute(SimpleStatement.newInstance(cql).setTimeout(SCHEMA_TIMEOUT));
    }

    /** A lightweight transaction: not retried on another node when the outcome is unknown (it may have applied). */
    private PreparedStatement prepare(String cql, ConsistencyLevel consistency) {
        return session.prepare(SimpleStatement.newInstance(cql).setConsistencyLevel(consistency));
    }

    /**
     * A read, or a write of a whole row by its key: safe to run twice, so the driver may retry it on another node
     * when its coordinator fails mid-request (a node killed under load closes the connection: without this flag the
     * driver gives up, and the admission is lost).
     */
    private PreparedStatement idempotent(String cql, ConsistencyLevel consistency) {
        return session.prepare(SimpleStatement.newInstance(cql).setConsistencyLevel(consistency).setIdempotent(true));
    }

    @Override
    public void putAll(Collection<Example> examples) {
        Map<String, Example> last = new LinkedHashMap<>();
        for (Example e : examples) {
            checkDimensions(e.vector());
            last.put(e.id(), e);
        }
        // The row and its change in one logged batch: a mirror learns of every row written, or of none.
        forAll(last.values(), e -> BatchStatement.newInstance(BatchType.LOGGED,
                ExampleRows.bindAll(insert.boundStatementBuilder(), e, Uuids.random()).build(),
                change(e.id(), StoreChange.Kind.PUT)).setConsistencyLevel(WRITE).setIdempotent(true), rs -> null);
    }

    private BoundStatement change(String exampleId, StoreChange.Kind kind) {
        UUID at = Uuids.timeBased();
        return recordChange.bind(ChangeRows.bucket(Uuids.unixTimestamp(at)), at, exampleId, kind.name(), origin);
    }

    private void recordChanges(Collection<String> exampleIds, StoreChange.Kind kind) {
        forAll(exampleIds, id -> change(id, kind), rs -> null);
    }

    @Override
    public Optional<Example> get(String id) {
        return Optional.ofNullable(execute(selectById.bind(id)).one()).map(ExampleRows::example);
    }

    @Override
    public boolean delete(String id) {
        return deleteIds(List.of(id), i -> deleteIfExists.bind(i)) > 0;
    }

    @Override
    public long deleteAll(Collection<String> ids) {
        return deleteIds(Set.copyOf(ids), id -> deleteIfExists.bind(id));
    }

    @Override
    public long deleteUser(String tenant, String user) {
        return deleteIds(ids(idsOfUser.bind(tenant, user)), id -> deleteIfExists.bind(id));
    }

    @Override
    public long deleteTenant(String tenant) {
        return deleteIds(ids(idsOfTenant.bind(tenant)), id -> deleteIfExists.bind(id));
    }

    @Override
    public long purgeExpired(Instant now) {
        long nanos = ExampleRows.epochNanos(now);
        return deleteIds(ids(expiredIds.bind(nanos)), id -> deleteIfExpired.bind(id, nanos));
    }

    private List<String> ids(BoundStatement query) {
        List<String> ids = new ArrayList<>();
        for (Row row : execute(query)) {
            ids.add(row.getString("id"));
        }
        return ids;
    }

    /**
     * Deletes by a conditional statement per id; returns how many were applied. The deletes are recorded first (a
     * mirror drops a copy rather than keep one the store deleted); a delete whose condition failed is recorded
     * again as a put, so that mirrors read the example's state again.
     */
    private long deleteIds(Collection<String> ids, Function<String, BoundStatement> delete) {
        List<String> all = List.copyOf(ids);
        recordChanges(all, StoreChange.Kind.DELETE);
        List<Boolean> applied = forAll(all, delete, AsyncResultSet::wasApplied);
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (!applied.get(i)) {
                kept.add(all.get(i));
            }
        }
        recordChanges(kept, StoreChange.Kind.PUT);
        return all.size() - kept.size();
    }

    @Override
    public List<SearchHit> search(float[] vector, Set<String> tenants, int k, Instant now) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        PreparedStatement ann = searchTenant.orElseThrow(() -> new IllegalStateException("this Cassandra store "
                + "was opened without vector search: its node-local mirror answers searches "
                + "(bank.cassandra.search: local)"));
        checkDimensions(vector);
        long nanos = ExampleRows.epochNanos(now);
        var query = ExampleRows.vector(vector);
        // SAI in Cassandra 5.0 has no IN on a non-key column: one ANN query per tenant, merged.
        List<List<SearchHit>> perTenant = forAll(tenants, t -> ann.bind(t, nanos, query, k), rs -> {
            List<SearchHit> hits = new ArrayList<>();
            for (Row row : rs.currentPage()) {
                Example e = ExampleRows.example(row);
                hits.add(new SearchHit(e, dot(vector, e.vector())));
            }
            return hits;
        });
        return perTenant.stream().flatMap(List::stream)
                .sorted(Comparator.comparingDouble(SearchHit::score).reversed().thenComparing(h -> h.example().id()))
                .limit(k).toList();
    }

    @Override
    public void updateStats(Collection<StatsDelta> deltas, Instant now) {
        Map<String, List<StatsDelta>> byId = new LinkedHashMap<>();
        for (StatsDelta d : deltas) {
            byId.computeIfAbsent(d.exampleId(), id -> new ArrayList<>()).add(d);
        }
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, List<StatsDelta>> e : byId.entrySet()) {
            if (applyStats(e.getKey(), e.getValue(), now)) {
                changed.add(e.getKey());
            }
        }
        recordChanges(changed, StoreChange.Kind.STATS);
    }

    /**
     * Applies one example's deltas by compare-and-set on its statistics version, retrying on a race; false if the
     * example does not exist.
     */
    private boolean applyStats(String id, List<StatsDelta> deltas, Instant now) {
        for (int attempt = 0; attempt < LightweightTransactions.ATTEMPTS; attempt++) {
            Row row = execute(statsById.bind(id)).one();
            if (row == null) {
                return false;
            }
            ExampleStats stats = ExampleRows.stats(row);
            for (StatsDelta d : deltas) {
                stats = stats.apply(d, now);
            }
            UUID newVersion = Uuids.random();
            BoundStatement cas = ExampleRows.bindStats(casStats.boundStatementBuilder(), stats)
                    .setUuid("new_version", newVersion).setUuid("old_version", row.getUuid("stats_version"))
                    .setString("id", id).build();
            checkOpen();
            if (LightweightTransactions.applied(session, cas, statsById.bind(id), "stats_version", newVersion,
                    "statistics of example " + id)) {
                return true;
            }
        }
        throw LightweightTransactions.contended("statistics of example " + id);
    }

    @Override
    public void forEach(Optional<String> tenant, Consumer<Example> visitor) {
        for (Row row : execute(tenant.map(scanTenant::bind).orElseGet(scanAll::bind))) {
            visitor.accept(ExampleRows.example(row));
        }
    }

    /** Counts by a full scan of tenant and size columns: O(examples), see docs/example-store.md. */
    @Override
    public StoreStats stats() {
        Map<String, Long> counts = new HashMap<>();
        long bytes = 0;
        for (Row row : execute(sizes.bind())) {
            counts.merge(row.getString("tenant"), 1L, Long::sum);
            bytes += row.getLong("plaintext_bytes");
        }
        return new StoreStats(Map.copyOf(counts), bytes, 0);
    }

    /** Reads the minute buckets from {@code from}'s to the next minute's (a writer's clock may run ahead). */
    @Override
    public List<StoreChange> changesSince(Instant from, Instant now) {
        UUID start = Uuids.startOf(from.toEpochMilli());
        long last = ChangeRows.bucket(now.toEpochMilli()) + 1;
        List<StoreChange> changes = new ArrayList<>();
        for (long bucket = ChangeRows.bucket(from.toEpochMilli()); bucket <= last; bucket++) {
            for (Row row : execute(changesOfBucket.bind(bucket, start))) {
                changes.add(ChangeRows.change(row));
            }
        }
        return changes;
    }

    @Override
    public Map<String, Example> current(Collection<String> exampleIds) {
        Map<String, Example> found = new LinkedHashMap<>();
        for (Row row : forAll(exampleIds, selectById::bind, rs -> rs.one())) {
            if (row != null) {
                Example e = ExampleRows.example(row);
                found.put(e.id(), e);
            }
        }
        return found;
    }

    @Override
    public Duration retention() {
        return ChangeRows.RETENTION;
    }

    @Override
    public UUID origin() {
        return origin;
    }

    /** The keyspace and the id of its examples table: a table dropped and created again is another bank. */
    @Override
    public String identity() {
        return identity;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            session.close();
        }
    }

    /**
     * The learned state shared by the gateways that use this keyspace (the {@code learned_state} table), on this
     * store's session: usable until the store is closed.
     */
    public SharedState sharedState() {
        return shared;
    }

    /** The keyspace this store uses. */
    public String keyspace() {
        return keyspace;
    }

    private void checkDimensions(float[] vector) {
        if (vector.length != dimensions) {
            throw new IllegalArgumentException("vector has " + vector.length + " dimensions, the store " + dimensions);
        }
    }

    private static double dot(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot;
    }

    private ResultSet execute(Statement<?> statement) {
        checkOpen();
        try {
            return session.execute(statement);
        } catch (DriverException e) {
            throw unavailable("a query", e);
        }
    }

    /**
     * Runs one statement per item asynchronously, at most {@link #MAX_IN_FLIGHT} at a time, and maps each
     * result's first page; the results are in the items' order.
     */
    private <T, R> List<R> forAll(Collection<T> items, Function<T, ? extends Statement<?>> statement,
            Function<AsyncResultSet, R> result) {
        checkOpen();
        Semaphore permits = new Semaphore(MAX_IN_FLIGHT);
        List<CompletableFuture<R>> futures = new ArrayList<>(items.size());
        try {
            for (T item : items) {
                permits.acquireUninterruptibly();
                CompletionStage<AsyncResultSet> stage = session.executeAsync(statement.apply(item));
                futures.add(stage.thenApply(result).whenComplete((r, e) -> permits.release()).toCompletableFuture());
            }
            List<R> results = new ArrayList<>(futures.size());
            for (CompletableFuture<R> f : futures) {
                results.add(f.join());
            }
            return results;
        } catch (CompletionException e) {
            if (e.getCause() instanceof DriverException d) {
                throw unavailable("a query", d);
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the example store is closed");
        }
    }

    static IccacheException unavailable(String what, DriverException e) {
        return new IccacheException(ErrorKind.OVERLOADED, "example store (Cassandra): " + what + " failed: " + e,
                null, "store_unavailable", e);
    }
}
