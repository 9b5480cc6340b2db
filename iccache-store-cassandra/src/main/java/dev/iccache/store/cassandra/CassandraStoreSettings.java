package dev.iccache.store.cassandra;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to reach the Cassandra cluster and where the bank lives in it.
 *
 * @param contactPoints     nodes to connect to first (the driver discovers the others)
 * @param localDatacenter   the driver's local datacenter ({@code datacenter1} with SimpleSnitch)
 * @param keyspace          keyspace of the {@code examples} table; created with the table if absent
 * @param replicationFactor replicas per example when the keyspace is created (SimpleStrategy); an existing
 *                          keyspace keeps its own
 * @param dimensions        length of every vector (the embedder's); the table's vector column has it
 * @param vectorSearch      whether the store answers {@code search} itself, with an SAI vector index it creates if
 *                          absent; false when a node-local mirror answers searches (no vector index is created,
 *                          which keeps writes cheaper; one that exists stays)
 */
public record CassandraStoreSettings(List<InetSocketAddress> contactPoints, String localDatacenter, String keyspace,
        int replicationFactor, int dimensions, boolean vectorSearch) {
    private static final Pattern KEYSPACE = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,47}");

    public CassandraStoreSettings {
        contactPoints = List.copyOf(contactPoints);
        Objects.requireNonNull(localDatacenter, "localDatacenter");
        if (contactPoints.isEmpty()) {
            throw new IllegalArgumentException("at least one contact point is needed");
        }
        if (!KEYSPACE.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("not a keyspace name: " + keyspace);
        }
        if (replicationFactor < 1 || dimensions < 1) {
            throw new IllegalArgumentException("replicationFactor and dimensions must be positive");
        }
    }

    /** These settings for a store whose searches a node-local mirror answers: no vector index. */
    public CassandraStoreSettings withoutVectorSearch() {
        return new CassandraStoreSettings(contactPoints, localDatacenter, keyspace, replicationFactor, dimensions,
                false);
    }

    /** Settings for {@code host:port} contact points, with vector search in Cassandra. */
    public static CassandraStoreSettings of(List<String> hostPorts, String localDatacenter, String keyspace,
            int replicationFactor, int dimensions) {
        List<InetSocketAddress> points = hostPorts.stream().map(hp -> {
            int colon = hp.lastIndexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException("not host:port: " + hp);
            }
            return InetSocketAddress.createUnresolved(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)));
        }).toList();
        return new CassandraStoreSettings(points, localDatacenter, keyspace, replicationFactor, dimensions, true);
    }
}
