package dev.iccache.embed;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import java.util.List;
import java.util.function.Supplier;

/**
 * An {@link Embedder} that builds its delegate when the first text arrives, so that a model costs
 * no start-up time or memory in a process that never embeds. A failed build is retried on the next
 * call.
 */
final class LazyEmbedder implements Embedder {
    private final int dimension;
    private final Supplier<Embedder> loader;
    private Embedder delegate;
    private boolean closed;

    /**
     * @param dimension the delegate's {@link Embedder#dimension()}, known without building it
     * @param loader    builds the delegate, once
     */
    LazyEmbedder(int dimension, Supplier<Embedder> loader) {
        this.dimension = dimension;
        this.loader = loader;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        return texts.isEmpty() ? List.of() : delegate().embedAll(texts);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (delegate != null) {
            delegate.close();
        }
    }

    private synchronized Embedder delegate() {
        if (closed) {
            throw IccacheException.of(ErrorKind.INTERNAL, "The embedder is closed.");
        }
        if (delegate == null) {
            delegate = loader.get();
        }
        return delegate;
    }
}
