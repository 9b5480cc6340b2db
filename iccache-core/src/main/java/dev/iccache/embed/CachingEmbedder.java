package dev.iccache.embed;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * An {@link Embedder} that keeps the vectors of recently seen texts in a bounded LRU cache and
 * sends only the missing texts to its delegate, in one batch.
 *
 * <p>Texts are keyed, and embedded, in a normalised form: Unicode NFC, leading and trailing
 * whitespace removed, every run of whitespace made one space. Case is kept, so {@code "Hello"} and
 * {@code "hello"} are two entries even where the model lowercases. Two callers missing the same text
 * at the same time both ask the delegate; the later answer wins.
 */
public final class CachingEmbedder implements Embedder {
    private final Embedder delegate;
    private final int capacity;
    private final LinkedHashMap<String, float[]> lru;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    /**
     * @param delegate embeds the texts not in the cache; closed by {@link #close()}
     * @param capacity vectors kept at most, least recently used evicted first
     */
    public CachingEmbedder(Embedder delegate, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.capacity = capacity;
        this.lru = new LinkedHashMap<>(16, 0.75f, true);
    }

    @Override
    public int dimension() {
        return delegate.dimension();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        int n = texts.size();
        String[] keys = new String[n];
        float[][] out = new float[n][];
        Map<String, Integer> missing = new LinkedHashMap<>();
        synchronized (lru) {
            for (int i = 0; i < n; i++) {
                keys[i] = normalise(texts.get(i));
                float[] cached = lru.get(keys[i]);
                if (cached != null) {
                    out[i] = cached.clone();
                } else {
                    missing.putIfAbsent(keys[i], missing.size());
                }
            }
        }
        int missed = countMisses(out);
        hits.add(n - missed);
        misses.add(missed);
        if (missing.isEmpty()) {
            return Arrays.asList(out);
        }
        List<String> batch = new ArrayList<>(missing.keySet());
        List<float[]> fresh = delegate.embedAll(batch);
        if (fresh.size() != batch.size()) {
            throw new IllegalStateException("delegate returned " + fresh.size() + " vectors for " + batch.size()
                    + " texts");
        }
        synchronized (lru) {
            for (int j = 0; j < batch.size(); j++) {
                lru.put(batch.get(j), fresh.get(j).clone());
            }
            while (lru.size() > capacity) {
                lru.pollFirstEntry();
            }
        }
        for (int i = 0; i < n; i++) {
            if (out[i] == null) {
                out[i] = fresh.get(missing.get(keys[i])).clone();
            }
        }
        return Arrays.asList(out);
    }

    /** Texts answered from the cache since creation. */
    public long hitCount() {
        return hits.sum();
    }

    /** Texts not found in the cache since creation; a text repeated within one call is embedded once. */
    public long missCount() {
        return misses.sum();
    }

    /** Vectors held now. */
    public int size() {
        synchronized (lru) {
            return lru.size();
        }
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** The cache key and the text the delegate sees: NFC, trimmed, whitespace runs collapsed. */
    static String normalise(String text) {
        String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
        StringBuilder sb = new StringBuilder(nfc.length());
        boolean pendingSpace = false;
        for (int i = 0; i < nfc.length(); ) {
            int cp = nfc.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                pendingSpace = sb.length() > 0;
            } else {
                if (pendingSpace) {
                    sb.append(' ');
                    pendingSpace = false;
                }
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    private static int countMisses(float[][] out) {
        int m = 0;
        for (float[] v : out) {
            if (v == null) {
                m++;
            }
        }
        return m;
    }
}
