package dev.iccache.embed;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A deterministic bag-of-words {@link Embedder} for tests: each lowercased word adds one to a hashed
 * component. It records every batch it receives, can hold its next call until released, and can
 * fail its next call.
 */
public final class FakeEmbedder implements Embedder {
    public static final int DIMENSION = 16;

    private final List<List<String>> batches = new CopyOnWriteArrayList<>();
    private final AtomicReference<RuntimeException> nextFailure = new AtomicReference<>();
    private volatile CountDownLatch entered = new CountDownLatch(0);
    private volatile CountDownLatch release = new CountDownLatch(0);
    private volatile boolean closed;

    /** The unnormalised vector of a text: a bias component plus one per word in its hashed slot. */
    public static float[] rawVector(String text) {
        float[] v = new float[DIMENSION];
        v[0] = 0.5f;
        for (String word : text.toLowerCase(Locale.ROOT).split("\\W+")) {
            if (!word.isEmpty()) {
                v[1 + Math.floorMod(word.hashCode(), DIMENSION - 1)] += 1;
            }
        }
        return v;
    }

    /** {@link #rawVector} scaled to unit length. */
    public static float[] unitVector(String text) {
        float[] v = rawVector(text);
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        batches.add(List.copyOf(texts));
        entered.countDown();
        try {
            if (!release.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the fake embedder");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        RuntimeException failure = nextFailure.getAndSet(null);
        if (failure != null) {
            throw failure;
        }
        List<float[]> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(unitVector(t));
        }
        return out;
    }

    /** Makes the next call block until {@link #release()}; returns a latch that opens when it starts. */
    public CountDownLatch holdNextCall() {
        CountDownLatch started = new CountDownLatch(1);
        entered = started;
        release = new CountDownLatch(1);
        return started;
    }

    /** Lets a held call go on. */
    public void release() {
        release.countDown();
    }

    /** Makes the next call throw {@code failure}. */
    public void failNext(RuntimeException failure) {
        nextFailure.set(failure);
    }

    /** Every batch received, in order. */
    public List<List<String>> batches() {
        return List.copyOf(batches);
    }

    /** Sizes of every batch received, in order. */
    public List<Integer> batchSizes() {
        return batches.stream().map(List::size).toList();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
