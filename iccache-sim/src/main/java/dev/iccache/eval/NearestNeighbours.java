package dev.iccache.eval;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.bank.Vectors;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Nearest neighbours of request vectors found by an {@link ExampleStore} (the production Lucene
 * HNSW store in the evaluations): each vector becomes an example of one tenant whose id is its
 * index, and each query is one store search. Searches run in parallel; the store is thread-safe.
 */
public final class NearestNeighbours {
    /** Hits asked of each search (more than needed, so that the approximate search finds the true best). */
    public static final int SEARCH_K = 10;
    /** Examples per {@code putAll} (each call is a durable commit). */
    static final int PUT_BATCH = 2000;
    private static final String TENANT = "eval";
    private static final Instant CREATED = Instant.parse("2025-01-01T00:00:00Z");

    private final Supplier<ExampleStore> stores;

    /**
     * @param stores opens a new, empty store each time it is called; it is closed after use
     */
    public NearestNeighbours(Supplier<ExampleStore> stores) {
        this.stores = stores;
    }

    /** A neighbour: its index, and its cosine similarity; index −1 and −∞ when there is none. */
    public record Neighbour(int index, double similarity) {
        public static final Neighbour NONE = new Neighbour(-1, Double.NEGATIVE_INFINITY);
    }

    /** For each vector, the most similar other vector of the list (itself left out). */
    public Neighbour[] nearestOther(List<float[]> vectors) {
        try (ExampleStore store = stores.get()) {
            putAll(store, vectors, 0, vectors.size());
            Neighbour[] out = new Neighbour[vectors.size()];
            IntStream.range(0, vectors.size()).parallel().forEach(i -> out[i] = best(store, vectors.get(i), i));
            return out;
        }
    }

    /**
     * For each vector, the most similar vector before it in the list: what a cache that stores
     * every request can use. The store is filled in blocks (a commit per block); a query is
     * searched in the store, which holds every earlier block, and compared exactly with the
     * vectors before it in its own block.
     */
    public Neighbour[] nearestEarlier(List<float[]> vectors, int block) {
        if (block < 1) {
            throw new IllegalArgumentException("block must be positive: " + block);
        }
        Neighbour[] out = new Neighbour[vectors.size()];
        try (ExampleStore store = stores.get()) {
            for (int start = 0; start < vectors.size(); start += block) {
                int from = start;
                int to = Math.min(vectors.size(), start + block);
                IntStream.range(from, to).parallel().forEach(i -> {
                    Neighbour n = from == 0 ? Neighbour.NONE : best(store, vectors.get(i), -1);
                    for (int j = from; j < i; j++) {
                        double s = Vectors.dot(vectors.get(i), vectors.get(j));
                        if (s > n.similarity()) {
                            n = new Neighbour(j, s);
                        }
                    }
                    out[i] = n;
                });
                putAll(store, vectors, from, to);
            }
        }
        return out;
    }

    /** For each query, the most similar vector of the bank. */
    public Neighbour[] nearestIn(List<float[]> bank, List<float[]> queries) {
        try (ExampleStore store = stores.get()) {
            putAll(store, bank, 0, bank.size());
            Neighbour[] out = new Neighbour[queries.size()];
            IntStream.range(0, queries.size()).parallel().forEach(i -> out[i] = best(store, queries.get(i), -1));
            return out;
        }
    }

    private static Neighbour best(ExampleStore store, float[] query, int self) {
        for (SearchHit h : store.search(query, Set.of(TENANT), SEARCH_K, CREATED)) {
            int index = Integer.parseInt(h.example().id());
            if (index != self) {
                return new Neighbour(index, h.score());
            }
        }
        return Neighbour.NONE;
    }

    private static void putAll(ExampleStore store, List<float[]> vectors, int from, int to) {
        List<Example> batch = new ArrayList<>(PUT_BATCH);
        for (int i = from; i < to; i++) {
            batch.add(example(i, vectors.get(i)));
            if (batch.size() == PUT_BATCH) {
                store.putAll(batch);
                batch.clear();
            }
        }
        store.putAll(batch);
    }

    private static Example example(int index, float[] vector) {
        String id = Integer.toString(index);
        return new Example(id, TENANT, "[]", id, vector, "", "eval", OptionalDouble.empty(), 0, 0, CREATED,
                Optional.empty(), ExampleStats.fresh(CREATED));
    }
}
