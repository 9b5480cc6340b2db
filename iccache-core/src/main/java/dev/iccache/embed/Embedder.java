package dev.iccache.embed;

import java.util.List;

/**
 * Turns texts into unit-length vectors (cosine similarity = dot product). Batch-first: callers
 * with many texts pass them together so the implementation can run real batches.
 */
public interface Embedder extends AutoCloseable {
    /** Length of every vector. */
    int dimension();

    /** One unit vector per text, in order. Thread-safe. */
    List<float[]> embedAll(List<String> texts);

    /** One text. */
    default float[] embed(String text) {
        return embedAll(List.of(text)).get(0);
    }

    @Override
    default void close() {
    }
}
