package dev.iccache.store.cassandra;

import com.datastax.oss.driver.api.core.data.CqlVector;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;

/**
 * The {@code examples} table (format 1): its schema and the mapping between an {@link Example} and a row.
 * Instants are kept exactly as epoch seconds plus nanoseconds; {@code expires_at} (epoch nanoseconds,
 * saturated, {@link Long#MAX_VALUE} = never) is what the expiry filter and the purge query compare.
 */
final class ExampleRows {
    static final String TABLE = "examples";
    /** Every column but the primary key, in the order {@link #bindAll} binds them after {@code id}. */
    static final List<String> COLUMNS = List.of("tenant", "end_user", "request_messages", "embedded_text", "response",
            "model", "quality", "request_tokens", "response_tokens", "created_s", "created_ns", "expires_s",
            "expires_ns", "expires_at", "plaintext_bytes", "vec", "uses", "decayed_offloads", "offloads_as_of_s",
            "offloads_as_of_ns", "replay_gain_ema", "replay_count", "wins", "losses", "stats_version");
    /** The statistics columns {@code updateStats} rewrites (a compare-and-set on {@code stats_version}). */
    static final List<String> STATS_COLUMNS = List.of("uses", "decayed_offloads", "offloads_as_of_s",
            "offloads_as_of_ns", "replay_gain_ema", "replay_count", "wins", "losses");

    private ExampleRows() {
    }

    /**
     * The statements that create the table and its storage-attached indexes (idempotent); the vector index only when
     * the store searches in Cassandra.
     */
    static List<String> schema(String keyspace, int dimensions, boolean vectorIndex) {
        String table = keyspace + "." + TABLE;
        List<String> statements = new ArrayList<>(List.of("""
                CREATE TABLE IF NOT EXISTS %s (
                  id text PRIMARY KEY, tenant text, end_user text, request_messages text, embedded_text text,
                  response text, model text, quality double, request_tokens int, response_tokens int,
                  created_s bigint, created_ns int, expires_s bigint, expires_ns int, expires_at bigint,
                  plaintext_bytes bigint, vec vector<float, %d>,
                  uses bigint, decayed_offloads double, offloads_as_of_s bigint, offloads_as_of_ns int,
                  replay_gain_ema double, replay_count int, wins bigint, losses bigint, stats_version uuid)
                """.formatted(table, dimensions),
                "CREATE CUSTOM INDEX IF NOT EXISTS examples_tenant ON " + table + " (tenant) USING 'StorageAttachedIndex'",
                "CREATE CUSTOM INDEX IF NOT EXISTS examples_expires_at ON " + table
                        + " (expires_at) USING 'StorageAttachedIndex'"));
        if (vectorIndex) {
            statements.add("CREATE CUSTOM INDEX IF NOT EXISTS examples_vec ON " + table
                    + " (vec) USING 'StorageAttachedIndex' WITH OPTIONS = {'similarity_function': 'DOT_PRODUCT'}");
        }
        return statements;
    }

    static String insert(String keyspace) {
        return "INSERT INTO " + keyspace + "." + TABLE + " (id, " + String.join(", ", COLUMNS) + ") VALUES (?"
                + ", ?".repeat(COLUMNS.size()) + ")";
    }

    static String selectAll() {
        return "SELECT id, " + String.join(", ", COLUMNS) + " FROM ";
    }

    /** Binds every column of {@code e}, with a new statistics version. */
    static BoundStatementBuilder bindAll(BoundStatementBuilder b, Example e, UUID statsVersion) {
        ExampleStats s = e.stats();
        b.setString("id", e.id()).setString("tenant", e.tenant()).setString("end_user", e.user().orElse(null))
                .setString("request_messages", e.requestMessages()).setString("embedded_text", e.embeddedText())
                .setString("response", e.response()).setString("model", e.model())
                .setInt("request_tokens", e.requestTokens()).setInt("response_tokens", e.responseTokens())
                .setLong("created_s", e.createdAt().getEpochSecond()).setInt("created_ns", e.createdAt().getNano())
                .setLong("expires_at", e.expiresAt().map(ExampleRows::epochNanos).orElse(Long.MAX_VALUE))
                .setLong("plaintext_bytes", e.plaintextBytes()).setVector("vec", vector(e.vector()), Float.class)
                .setUuid("stats_version", statsVersion);
        if (e.quality().isPresent()) {
            b.setDouble("quality", e.quality().getAsDouble());
        } else {
            b.setToNull("quality");
        }
        if (e.expiresAt().isPresent()) {
            b.setLong("expires_s", e.expiresAt().get().getEpochSecond()).setInt("expires_ns", e.expiresAt().get().getNano());
        } else {
            b.setToNull("expires_s").setToNull("expires_ns");
        }
        return bindStats(b, s);
    }

    static BoundStatementBuilder bindStats(BoundStatementBuilder b, ExampleStats s) {
        return b.setLong("uses", s.uses()).setDouble("decayed_offloads", s.decayedOffloads())
                .setLong("offloads_as_of_s", s.offloadsAsOf().getEpochSecond())
                .setInt("offloads_as_of_ns", s.offloadsAsOf().getNano()).setDouble("replay_gain_ema", s.replayGainEma())
                .setInt("replay_count", s.replayCount()).setLong("wins", s.wins()).setLong("losses", s.losses());
    }

    static Example example(Row r) {
        OptionalDouble quality = r.isNull("quality") ? OptionalDouble.empty() : OptionalDouble.of(r.getDouble("quality"));
        Optional<Instant> expires = r.isNull("expires_s") ? Optional.empty()
                : Optional.of(Instant.ofEpochSecond(r.getLong("expires_s"), r.getInt("expires_ns")));
        return new Example(r.getString("id"), r.getString("tenant"), r.getString("request_messages"),
                r.getString("embedded_text"), floats(r.getVector("vec", Float.class)), r.getString("response"),
                r.getString("model"), quality, r.getInt("request_tokens"), r.getInt("response_tokens"),
                Instant.ofEpochSecond(r.getLong("created_s"), r.getInt("created_ns")), expires, stats(r),
                Optional.ofNullable(r.getString("end_user")));
    }

    static ExampleStats stats(Row r) {
        return new ExampleStats(r.getLong("uses"), r.getDouble("decayed_offloads"),
                Instant.ofEpochSecond(r.getLong("offloads_as_of_s"), r.getInt("offloads_as_of_ns")),
                r.getDouble("replay_gain_ema"), r.getInt("replay_count"), r.getLong("wins"), r.getLong("losses"));
    }

    /** Epoch nanoseconds, saturated to the range of a long (years 1677 to 2262). */
    static long epochNanos(Instant t) {
        try {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (ArithmeticException e) {
            return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static CqlVector<Float> vector(float[] v) {
        List<Float> values = new ArrayList<>(v.length);
        for (float f : v) {
            values.add(f);
        }
        return CqlVector.newInstance(values);
    }

    private static float[] floats(CqlVector<Float> v) {
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }
}
