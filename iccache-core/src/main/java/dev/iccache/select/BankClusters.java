package dev.iccache.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.iccache.api.Json;
import dev.iccache.bank.Vectors;
import dev.iccache.stats.KMeans;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The bank's clusters (IC-Cache §4.1 clusters the cache with k-means, K = √N): the regions of
 * embedding space in which the utility model learns what examples add (docs/selection.md). The
 * centroids stay fixed until the bank has grown enough that √N has grown by {@link #REFIT_GROWTH}
 * (or at the first fit); then they are fitted anew, and each old cluster is mapped to the new
 * cluster nearest its centroid so that what was learned per cluster carries over. The cluster of
 * an example is remembered per fit (at most {@value #REMEMBERED} examples), because finding it costs
 * √N dot products and each selection asks for the clusters of all its candidates. Gateways that share a store
 * take the fit of the one that learns selection ({@link #adopt}), so that cluster ids mean the same on all of them.
 * Thread-safe.
 */
public final class BankClusters {
    static final int MAX_CLUSTERS = 1024;
    static final int ITERATIONS = 10;
    /** Growth of √N that makes the clusters be fitted anew. */
    static final double REFIT_GROWTH = 1.4;
    /** Examples whose cluster is remembered (about 100 bytes each). */
    static final int REMEMBERED = 200_000;

    private final SplittableRandom random;
    private volatile Fit fit = new Fit(new float[0][]);
    private volatile boolean follows;

    /**
     * A fit's centroids, its id (a 64-bit hash of the centroids), and the clusters of the examples looked up since it
     * was made.
     */
    private record Fit(String id, float[][] centroids, double[] norms, Cache<String, Integer> examples) {
        Fit(float[][] centroids) {
            this(id(centroids), centroids, Vectors.norms(centroids),
                    Caffeine.newBuilder().maximumSize(REMEMBERED).build());
        }

        private static String id(float[][] centroids) {
            long hash = centroids.length;
            for (float[] c : centroids) {
                for (float v : c) {
                    hash = hash * 1_000_003 + Float.floatToIntBits(v);
                }
            }
            return Long.toHexString(hash);
        }
    }

    public BankClusters(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** The number of clusters the bank's size asks for: √N, at least 1, at most {@value #MAX_CLUSTERS}. */
    static int wanted(long bankSize) {
        return (int) Math.max(1, Math.min(MAX_CLUSTERS, Math.round(Math.sqrt(bankSize))));
    }

    /**
     * Fits the clusters anew from a sample of the bank's embeddings when none are fitted yet or √N
     * has grown enough, unless they follow another gateway's fit; returns, for each old cluster, the
     * new cluster nearest its centroid (empty when nothing changed).
     */
    public synchronized int[] refit(List<float[]> sample, long bankSize) {
        float[][] old = fit.centroids();
        int k = wanted(bankSize);
        if (follows || sample.isEmpty() || old.length > 0 && k < old.length * REFIT_GROWTH) {
            return new int[0];
        }
        float[][] fitted = KMeans.centroids(sample.toArray(new float[0][]), k, ITERATIONS, random);
        return replace(new Fit(fitted));
    }

    /** Makes {@code next} the fit; for each old cluster, the new cluster nearest its centroid. Holds the lock. */
    private int[] replace(Fit next) {
        float[][] old = fit.centroids();
        int[] mapping = new int[old.length];
        for (int c = 0; c < old.length; c++) {
            mapping[c] = KMeans.nearest(next.centroids(), old[c]);
        }
        fit = next;
        return mapping;
    }

    /**
     * Whether the clusters follow the fit of another gateway, which they {@link #adopt}, rather than fitting their own
     * ({@link #refit} then does nothing).
     */
    public void follow(boolean value) {
        follows = value;
    }

    /** The id of the fit in force. */
    public String fitId() {
        return fit.id();
    }

    /**
     * The fit in force, for the gateways that share a store to {@link #adopt} (docs/selection.md, "Shared selection
     * state"): {@code {"fit": id, "centroids": [base64 of each centroid's float32s, big-endian]}}.
     */
    public ObjectNode shared() {
        Fit f = fit;
        ObjectNode root = Json.object().put("fit", f.id());
        ArrayNode centroids = root.putArray("centroids");
        for (float[] c : f.centroids()) {
            ByteBuffer bytes = ByteBuffer.allocate(Float.BYTES * c.length);
            bytes.asFloatBuffer().put(c);
            centroids.add(Base64.getEncoder().encodeToString(bytes.array()));
        }
        return root;
    }

    /**
     * Makes the fit {@link #shared} by another gateway the fit in force (unless it is already); returns, for each old
     * cluster, the new cluster nearest its centroid (empty when nothing changed).
     */
    public synchronized int[] adopt(JsonNode shared) {
        if (shared.path("fit").asText().equals(fit.id())) {
            return new int[0];
        }
        List<float[]> centroids = new ArrayList<>();
        for (JsonNode c : shared.path("centroids")) {
            FloatBuffer floats = ByteBuffer.wrap(Base64.getDecoder().decode(c.asText())).asFloatBuffer();
            float[] centroid = new float[floats.remaining()];
            floats.get(centroid);
            centroids.add(centroid);
        }
        return replace(new Fit(centroids.toArray(new float[0][])));
    }

    /** Clusters of the bank (0 before the first fit). */
    public int count() {
        return fit.centroids().length;
    }

    /** The cluster of an embedding (−1 before the first fit). */
    public int of(float[] vector) {
        float[][] c = fit.centroids();
        return c.length == 0 ? -1 : KMeans.nearest(c, vector);
    }

    /** The cluster of the example {@code exampleId}, whose embedding is {@code vector} (−1 before the first fit). */
    public int of(String exampleId, float[] vector) {
        return of(List.of(exampleId), List.of(vector))[0];
    }

    /**
     * The clusters of the examples {@code exampleIds}, whose embeddings are {@code vectors} (all −1 before the first
     * fit): those not remembered are found together, each centroid read once per four of them.
     */
    public int[] of(List<String> exampleIds, List<float[]> vectors) {
        Fit f = fit;
        int[] out = new int[exampleIds.size()];
        if (f.centroids().length == 0) {
            Arrays.fill(out, -1);
            return out;
        }
        Map<String, Integer> known = f.examples().getAllPresent(exampleIds);
        List<Integer> unknown = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            Integer cluster = known.get(exampleIds.get(i));
            if (cluster == null) {
                unknown.add(i);
            } else {
                out[i] = cluster;
            }
        }
        if (!unknown.isEmpty()) {
            float[][] missing = new float[unknown.size()][];
            for (int j = 0; j < missing.length; j++) {
                missing[j] = vectors.get(unknown.get(j));
            }
            int[] found = KMeans.nearest(f.centroids(), f.norms(), missing);
            for (int j = 0; j < found.length; j++) {
                out[unknown.get(j)] = found[j];
                f.examples().put(exampleIds.get(unknown.get(j)), found[j]);
            }
        }
        return out;
    }
}
