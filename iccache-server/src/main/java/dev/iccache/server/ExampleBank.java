package dev.iccache.server;

import dev.iccache.admission.ExampleAdmitter;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.Embedders;
import dev.iccache.metrics.MetricsRegistry;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.function.UnaryOperator;

/**
 * The example bank of one process, built from the configuration: the embedder, the store
 * (Lucene under {@code data-dir/bank}, or memory) and the admitter. Shared by {@code serve},
 * {@code import} and {@code export}.
 */
public final class ExampleBank implements AutoCloseable {
    private final Embedder embedder;
    private final ExampleStore store;
    private final ExampleAdmitter admitter;

    private ExampleBank(Embedder embedder, ExampleStore store, ExampleAdmitter admitter) {
        this.embedder = embedder;
        this.store = store;
        this.admitter = admitter;
    }

    /**
     * Opens the bank configured in {@code config}; {@code env} resolves the embedder's API key.
     */
    public static ExampleBank open(IccacheConfig config, MetricsRegistry metrics, UnaryOperator<String> env) {
        ExampleStore store = config.bank().store().equals("memory") ? new InMemoryExampleStore()
                : LuceneExampleStore.open(bankDirectory(config));
        Embedder embedder;
        try {
            embedder = Embedders.create(config.embedder(), env);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        metrics.gauge("iccache_bank_examples", "Examples in the bank.").labels().track(() -> store.stats().count());
        ExampleAdmitter admitter = new ExampleAdmitter(embedder, store, config.bank(), InstantSource.system(), metrics,
                r -> {
                    Thread t = new Thread(r, "iccache-admission");
                    t.setDaemon(true);
                    return t;
                });
        return new ExampleBank(embedder, store, admitter);
    }

    /** Where the Lucene store lives. */
    public static Path bankDirectory(IccacheConfig config) {
        return config.dataDir().resolve("bank");
    }

    public Embedder embedder() {
        return embedder;
    }

    public ExampleStore store() {
        return store;
    }

    public ExampleAdmitter admitter() {
        return admitter;
    }

    /** Finishes queued admissions, then closes the store and the embedder. */
    @Override
    public void close() {
        try {
            admitter.close();
        } finally {
            try {
                store.close();
            } finally {
                embedder.close();
            }
        }
    }
}
