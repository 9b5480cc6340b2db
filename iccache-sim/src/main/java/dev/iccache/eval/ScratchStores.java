package dev.iccache.eval;

import dev.iccache.bank.ExampleStore;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Fresh production stores ({@link LuceneExampleStore}) in a temporary directory, deleted with
 * everything in it on {@link #close()}.
 */
public final class ScratchStores implements Supplier<ExampleStore>, AutoCloseable {
    private final Path root;
    private final AtomicInteger next = new AtomicInteger();

    public ScratchStores() {
        try {
            root = Files.createTempDirectory("iccache-eval-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the evaluation store", e);
        }
    }

    @Override
    public ExampleStore get() {
        return LuceneExampleStore.open(root.resolve("store-" + next.incrementAndGet()));
    }

    @Override
    public void close() {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
