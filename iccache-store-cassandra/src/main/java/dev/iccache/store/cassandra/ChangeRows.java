package dev.iccache.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import dev.iccache.bank.StoreChange;
import java.time.Duration;
import java.time.Instant;

/**
 * The {@code changes} table: one row per change of an example, partitioned by the minute of its time-based id,
 * kept for {@link #RETENTION}. What a {@link dev.iccache.bank.MirroredExampleStore} reads to follow the bank.
 */
final class ChangeRows {
    static final String TABLE = "changes";
    /** How long a change is kept: a mirror that was away longer copies the bank anew. */
    static final Duration RETENTION = Duration.ofHours(6);
    private static final long BUCKET_MILLIS = 60_000;

    private ChangeRows() {
    }

    static String schema(String keyspace) {
        return "CREATE TABLE IF NOT EXISTS " + keyspace + "." + TABLE + " (bucket bigint, at timeuuid, "
                + "example_id text, kind text, origin uuid, PRIMARY KEY (bucket, at)) "
                + "WITH CLUSTERING ORDER BY (at ASC) "
                + "AND default_time_to_live = " + RETENTION.toSeconds();
    }

    static String insert(String keyspace) {
        return "INSERT INTO " + keyspace + "." + TABLE
                + " (bucket, at, example_id, kind, origin) VALUES (?, ?, ?, ?, ?)";
    }

    static String select(String keyspace) {
        return "SELECT at, example_id, kind, origin FROM " + keyspace + "." + TABLE + " WHERE bucket = ? AND at >= ?";
    }

    /** The partition of a change made at {@code epochMillis}: its minute. */
    static long bucket(long epochMillis) {
        return Math.floorDiv(epochMillis, BUCKET_MILLIS);
    }

    static StoreChange change(Row row) {
        return new StoreChange(row.getUuid("at"), Instant.ofEpochMilli(Uuids.unixTimestamp(row.getUuid("at"))),
                row.getString("example_id"), StoreChange.Kind.valueOf(row.getString("kind")), row.getUuid("origin"));
    }
}
