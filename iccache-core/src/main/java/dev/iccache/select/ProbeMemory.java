package dev.iccache.select;

import dev.iccache.stats.KMeans;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What exploration probes found, by region of the bank (docs/selection.md): the bank is clustered
 * with k-means, K = √N as IC-Cache's stage 1 clusters it (§4.1), and probe gains are summed per
 * target model and cluster of the probed example, so that what was learned about some examples
 * carries over to the others of their cluster (a skill the small model learns from examples, or
 * one it already has). Keeps the last {@link #CAPACITY} probes per target, so that a re-clustering
 * (as the bank grows) re-assigns them. Thread-safe.
 */
public final class ProbeMemory {
    static final int CAPACITY = 20_000;
    static final int MAX_CLUSTERS = 1024;
    static final int ITERATIONS = 10;

    private final SplittableRandom random;
    private float[][] centroids = new float[0][];
    private final Map<String, Probes> targets = new HashMap<>();

    /** The probes of one target model, and their sums per cluster. */
    private static final class Probes {
        final List<float[]> vectors = new ArrayList<>();
        final List<Double> gains = new ArrayList<>();
        int next;
        double[] gained = new double[0];
        double[] count = new double[0];
    }

    public ProbeMemory(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * Clusters the bank anew from a sample of its embeddings, K = √(bank size) (at most
     * {@value #MAX_CLUSTERS}), and re-assigns the probes kept.
     */
    public void refit(List<float[]> sample, long bankSize) {
        int k = (int) Math.max(1, Math.min(MAX_CLUSTERS, Math.round(Math.sqrt(bankSize))));
        float[][] fitted;
        synchronized (random) {
            fitted = KMeans.centroids(sample.toArray(new float[0][]), k, ITERATIONS, random);
        }
        synchronized (this) {
            centroids = fitted;
            for (Probes t : targets.values()) {
                t.gained = new double[centroids.length];
                t.count = new double[centroids.length];
                for (int i = 0; i < t.vectors.size(); i++) {
                    int c = KMeans.nearest(centroids, t.vectors.get(i));
                    t.gained[c] += t.gains.get(i);
                    t.count[c]++;
                }
            }
        }
    }

    /** Clusters of the bank (0 before the first fit). */
    public synchronized int clusters() {
        return centroids.length;
    }

    /** The cluster of an embedding (−1 before the first fit). */
    public synchronized int cluster(float[] vector) {
        return centroids.length == 0 ? -1 : KMeans.nearest(centroids, vector);
    }

    /** Records a probe, for {@code targetModel}, of an example with this embedding. */
    public synchronized void add(String targetModel, float[] vector, double gain) {
        Probes t = targets.computeIfAbsent(targetModel, k -> new Probes());
        if (t.gained.length != centroids.length) {
            t.gained = new double[centroids.length];
            t.count = new double[centroids.length];
        }
        if (t.vectors.size() < CAPACITY) {
            t.vectors.add(vector);
            t.gains.add(gain);
        } else {
            int old = cluster(t.vectors.get(t.next));
            if (old >= 0) {
                t.gained[old] -= t.gains.get(t.next);
                t.count[old]--;
            }
            t.vectors.set(t.next, vector);
            t.gains.set(t.next, gain);
            t.next = (t.next + 1) % CAPACITY;
        }
        int c = cluster(vector);
        if (c >= 0) {
            t.gained[c] += gain;
            t.count[c]++;
        }
    }

    /**
     * The probe evidence of a cluster for {@code targetModel}: {@code helped} the sum of its
     * probes' gains, {@code hurt} the sum of 1 − gain.
     */
    public synchronized UtilityFeatures.Local evidence(String targetModel, int cluster) {
        Probes t = targets.get(targetModel);
        if (t == null || cluster < 0 || cluster >= t.count.length) {
            return UtilityFeatures.Local.NONE;
        }
        return new UtilityFeatures.Local(t.gained[cluster], t.count[cluster] - t.gained[cluster]);
    }
}
