package dev.iccache.server;

import dev.iccache.admission.ExampleAdmitter;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.Embedders;
import dev.iccache.metrics.MetricsRegistry;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The example bank of one process, built from the configuration: the embedder, the store
 * (Lucene under {@code data-dir/bank}, or memory) and the admitter. Shared by {@code serve},
 * {@code import} and {@code export}.
 */
public final class ExampleBank implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ExampleBank.class.getName());
    private static final long PURGE_EVERY_MINUTES = 10;

    private final Embedder embedder;
    private final ExampleStore store;
    private final ExampleAdmitter admitter;
    private final ScheduledExecutorService purger;

    private ExampleBank(Embedder embedder, ExampleStore store, ExampleAdmitter admitter,
            ScheduledExecutorService purger) {
        this.embedder = embedder;
        this.store = store;
        this.admitter = admitter;
        this.purger = purger;
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
        // Expired examples are never returned by a search; purging them only reclaims space.
        ScheduledExecutorService purger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iccache-bank-purge");
            t.setDaemon(true);
            return t;
        });
        if (config.bank().ttlHours() > 0) {
            purger.scheduleWithFixedDelay(() -> purge(store), PURGE_EVERY_MINUTES, PURGE_EVERY_MINUTES,
                    TimeUnit.MINUTES);
        }
        return new ExampleBank(embedder, store, admitter, purger);
    }

    private static void purge(ExampleStore store) {
        try {
            long n = store.purgeExpired(InstantSource.system().instant());
            if (n > 0) {
                LOG.log(Level.INFO, "purged {0} expired examples", n);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "purging expired examples failed; will retry", e);
        }
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
        purger.shutdownNow();
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
