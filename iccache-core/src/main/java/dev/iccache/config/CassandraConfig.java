package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where the Cassandra example store ({@code bank.store: cassandra}) keeps the bank.
 *
 * @param contactPoints     {@code host:port} of nodes to connect to first (the driver finds the others)
 * @param localDatacenter   the driver's local datacenter ({@code datacenter1} for the local nodes' SimpleSnitch)
 * @param keyspace          keyspace of the bank's table, created if absent
 * @param replicationFactor replicas of every example when the keyspace is created (SimpleStrategy)
 * @param search            where searches run: {@code local}, a node-local Lucene copy of the bank under
 *                          {@code data-dir/bank-mirror} kept in step with Cassandra; {@code cassandra}, SAI ANN
 *                          queries in Cassandra
 * @param syncMillis        with {@code search: local}, milliseconds between the syncs of the local copy
 */
public record CassandraConfig(List<String> contactPoints, String localDatacenter, String keyspace,
        int replicationFactor, String search, int syncMillis) {
    /** The values of {@code search}. */
    public static final List<String> SEARCHES = List.of("local", "cassandra");
    private static final Pattern KEYSPACE = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,47}");
    private static final Pattern HOST_PORT = Pattern.compile("[^:\\s]+:\\d{1,5}");
    public static final CassandraConfig DEFAULT = new CassandraConfig(List.of("127.0.0.1:9042"), "datacenter1",
            "iccache", 1, "local", 250);

    public CassandraConfig {
        contactPoints = contactPoints == null ? List.of() : List.copyOf(contactPoints);
        if (contactPoints.isEmpty()) {
            throw new ConfigException("bank.cassandra.contact-points must name at least one host:port");
        }
        for (String point : contactPoints) {
            if (!HOST_PORT.matcher(point).matches()) {
                throw new ConfigException("bank.cassandra.contact-points: '" + point + "' is not host:port");
            }
        }
        if (localDatacenter == null || localDatacenter.isBlank()) {
            throw new ConfigException("bank.cassandra.local-datacenter must not be blank");
        }
        if (keyspace == null || !KEYSPACE.matcher(keyspace).matches()) {
            throw new ConfigException("bank.cassandra.keyspace must be a letter then up to 47 letters, digits or "
                    + "underscores, got " + keyspace);
        }
        if (replicationFactor < 1) {
            throw new ConfigException("bank.cassandra.replication-factor must be at least 1, got " + replicationFactor);
        }
        if (!SEARCHES.contains(search)) {
            throw new ConfigException("bank.cassandra.search must be one of " + SEARCHES + ", got " + search);
        }
        if (syncMillis < 10 || syncMillis > 60_000) {
            throw new ConfigException("bank.cassandra.sync-millis must be between 10 and 60000, got " + syncMillis);
        }
    }

    @JsonCreator
    static CassandraConfig fromYaml(@JsonProperty("contact-points") List<String> contactPoints,
            @JsonProperty("local-datacenter") String localDatacenter, @JsonProperty("keyspace") String keyspace,
            @JsonProperty("replication-factor") Integer replicationFactor, @JsonProperty("search") String search,
            @JsonProperty("sync-millis") Integer syncMillis) {
        return new CassandraConfig(contactPoints == null ? DEFAULT.contactPoints : contactPoints,
                localDatacenter == null ? DEFAULT.localDatacenter : localDatacenter,
                keyspace == null ? DEFAULT.keyspace : keyspace,
                replicationFactor == null ? DEFAULT.replicationFactor : replicationFactor,
                search == null ? DEFAULT.search : search, syncMillis == null ? DEFAULT.syncMillis : syncMillis);
    }
}
