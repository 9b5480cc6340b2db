package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/**
 * The example bank: where examples live and which responses become examples.
 *
 * @param enabled         whether responses are admitted and the bank is searchable
 * @param store           {@code lucene} (durable, on disk under data-dir), {@code memory} (lost on exit) or
 *                        {@code cassandra} (shared by several gateways, see {@code cassandra})
 * @param exampleSources  backend names whose answers are admitted; empty = every backend with role large
 * @param dedupThreshold  cosine at or above which a new example merges with an existing one of its tenant
 * @param ttlHours        hours an example stays selectable; 0 = no expiry
 * @param admissionQueue  admissions waiting at most; more are dropped (and counted) rather than slow requests
 * @param maxExamples     examples kept at most; 0 = no limit (eviction, IC-Cache §4.3)
 * @param maxBytes        plaintext bytes (requests + responses) kept at most; 0 = no limit
 * @param cassandra       where {@code store: cassandra} keeps the bank
 * @param admissionLingerMs how long the admitter waits, after the first queued candidate, for more to write with
 *                        it in one batch (one commit); 0 = write what is queued at once
 * @param compaction      merging the store's segments while the gateway is idle
 */
public record BankConfig(boolean enabled, String store, List<String> exampleSources, double dedupThreshold,
        double ttlHours, int admissionQueue, long maxExamples, long maxBytes, CassandraConfig cassandra,
        int admissionLingerMs, CompactionSettings compaction) {
    /** Default of {@code admission-linger-ms}. */
    public static final int ADMISSION_LINGER_MS = 1000;
    public static final BankConfig DEFAULT = new BankConfig(true, "lucene", List.of(), 0.98, 0, 1000, 0, 0);

    public BankConfig {
        store = store == null ? "lucene" : store.toLowerCase(Locale.ROOT);
        if (!store.equals("lucene") && !store.equals("memory") && !store.equals("cassandra")) {
            throw new ConfigException("bank.store must be 'lucene', 'memory' or 'cassandra', got " + store);
        }
        cassandra = cassandra == null ? CassandraConfig.DEFAULT : cassandra;
        compaction = compaction == null ? CompactionSettings.DEFAULT : compaction;
        exampleSources = exampleSources == null ? List.of() : List.copyOf(exampleSources);
        if (!(dedupThreshold > 0 && dedupThreshold <= 1)) {
            throw new ConfigException("bank.dedup-threshold must be in (0, 1], got " + dedupThreshold);
        }
        if (ttlHours < 0) {
            throw new ConfigException("bank.ttl-hours must not be negative, got " + ttlHours);
        }
        if (admissionQueue < 1) {
            throw new ConfigException("bank.admission-queue must be positive, got " + admissionQueue);
        }
        if (maxExamples < 0 || maxBytes < 0) {
            throw new ConfigException("bank.max-examples and bank.max-bytes must not be negative (0 = no limit)");
        }
        if (admissionLingerMs < 0 || admissionLingerMs > 60_000) {
            throw new ConfigException("bank.admission-linger-ms must be between 0 and 60000, got " + admissionLingerMs);
        }
    }

    /** A bank with the default admission linger and compaction. */
    public BankConfig(boolean enabled, String store, List<String> exampleSources, double dedupThreshold,
            double ttlHours, int admissionQueue, long maxExamples, long maxBytes, CassandraConfig cassandra) {
        this(enabled, store, exampleSources, dedupThreshold, ttlHours, admissionQueue, maxExamples, maxBytes,
                cassandra, ADMISSION_LINGER_MS, CompactionSettings.DEFAULT);
    }

    /** A bank whose Cassandra settings (unused unless {@code store} is {@code cassandra}) are the defaults. */
    public BankConfig(boolean enabled, String store, List<String> exampleSources, double dedupThreshold,
            double ttlHours, int admissionQueue, long maxExamples, long maxBytes) {
        this(enabled, store, exampleSources, dedupThreshold, ttlHours, admissionQueue, maxExamples, maxBytes,
                CassandraConfig.DEFAULT);
    }

    @JsonCreator
    static BankConfig fromYaml(@JsonProperty("enabled") Boolean enabled, @JsonProperty("store") String store,
            @JsonProperty("example-sources") List<String> exampleSources,
            @JsonProperty("dedup-threshold") Double dedupThreshold, @JsonProperty("ttl-hours") Double ttlHours,
            @JsonProperty("admission-queue") Integer admissionQueue, @JsonProperty("max-examples") Long maxExamples,
            @JsonProperty("max-bytes") Long maxBytes, @JsonProperty("cassandra") CassandraConfig cassandra,
            @JsonProperty("admission-linger-ms") Integer admissionLingerMs,
            @JsonProperty("compaction") CompactionSettings compaction) {
        return new BankConfig(enabled == null || enabled, store, exampleSources,
                dedupThreshold == null ? DEFAULT.dedupThreshold : dedupThreshold,
                ttlHours == null ? 0 : ttlHours, admissionQueue == null ? DEFAULT.admissionQueue : admissionQueue,
                maxExamples == null ? 0 : maxExamples, maxBytes == null ? 0 : maxBytes, cassandra,
                admissionLingerMs == null ? ADMISSION_LINGER_MS : admissionLingerMs, compaction);
    }

    public BankConfig withStore(String newStore) {
        return new BankConfig(enabled, newStore, exampleSources, dedupThreshold, ttlHours, admissionQueue, maxExamples,
                maxBytes, cassandra, admissionLingerMs, compaction);
    }
}
