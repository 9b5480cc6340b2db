package dev.iccache.embed;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * An {@link Embedder} that keeps the vectors of recently seen texts in a bounded Caffeine cache and
 * sends only the missing texts to its delegate, in one batch.
 *
 * <p>Texts are keyed, and embedded, in a normalised form: Unicode NFC, leading and trailing
 * whitespace removed, every run of whitespace made one space. Case is kept, so {@code "Hello"} and
 * {@code "hello"} are two entries even where the model lowercases. A text being embedded for one
 * caller is not sent again for another: the second waits for the first's vector. Eviction is
 * Caffeine's size-based W-TinyLFU; maintenance runs on the calling thread.
 */
public final class CachingEmbedder implements Embedder {
    private final Embedder delegate;
    private final AsyncCache<String, float[]> cache;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    /**
     * @param delegate embeds the texts not in the cache; closed by {@link #close()}
     * @param capacity vectors kept at most
     */
    public CachingEmbedder(Embedder delegate, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.cache = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).buildAsync();
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
        boolean allCached = true;
        for (int i = 0; i < n; i++) {
            keys[i] = normalise(texts.get(i));
            CompletableFuture<float[]> cached = cache.getIfPresent(keys[i]);
            if (cached != null && cached.state() == Future.State.SUCCESS) {
                out[i] = cached.resultNow().clone();
            } else {
                allCached = false;
            }
        }
        if (allCached) {
            hits.add(n);
            return Arrays.asList(out);
        }
        Set<String> embeddedHere = new LinkedHashSet<>();
        Map<String, float[]> vectors = join(cache.getAll(new LinkedHashSet<>(Arrays.asList(keys)),
                (missing, executor) -> embedMissing(missing, embeddedHere)));
        int missed = 0;
        for (int i = 0; i < n; i++) {
            out[i] = vectors.get(keys[i]).clone();
            if (embeddedHere.contains(keys[i])) {
                missed++;
            }
        }
        hits.add(n - missed);
        misses.add(missed);
        return Arrays.asList(out);
    }

    /** Texts answered without this call reaching the delegate for them (cached, or being embedded by another call). */
    public long hitCount() {
        return hits.sum();
    }

    /** Texts whose call sent them to the delegate; a text repeated within one call is embedded once. */
    public long missCount() {
        return misses.sum();
    }

    /** Vectors held now, after pending evictions. */
    public int size() {
        cache.synchronous().cleanUp();
        return Math.toIntExact(cache.synchronous().estimatedSize());
    }

    @Override
    public void close() {
        delegate.close();
    }

    private CompletableFuture<Map<String, float[]>> embedMissing(Set<? extends String> missing, Set<String> embeddedHere) {
        try {
            List<String> batch = List.copyOf(missing);
            List<float[]> fresh = delegate.embedAll(batch);
            if (fresh.size() != batch.size()) {
                throw new IllegalStateException("delegate returned " + fresh.size() + " vectors for " + batch.size()
                        + " texts");
            }
            Map<String, float[]> loaded = new HashMap<>();
            for (int j = 0; j < batch.size(); j++) {
                loaded.put(batch.get(j), fresh.get(j).clone());
            }
            embeddedHere.addAll(batch);
            return CompletableFuture.completedFuture(loaded);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Map<String, float[]> join(CompletableFuture<Map<String, float[]>> vectors) {
        try {
            return vectors.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
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
}
