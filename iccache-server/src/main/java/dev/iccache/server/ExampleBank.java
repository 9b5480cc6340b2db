package dev.iccache.server;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.iccache.admission.ExampleAdmitter;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.bank.MirroredExampleStore;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.config.CassandraConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.Embedders;
import dev.iccache.gateway.Assembly;
import dev.iccache.manage.ExampleEvictor;
import dev.iccache.manage.IdleCompaction;
import dev.iccache.scrub.Scrubber;
import dev.iccache.metrics.Metrics;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.SelectionSync;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Lease;
import dev.iccache.tenant.OutageLog;
import dev.iccache.tenant.SharedState;
import dev.iccache.time.Ticker;
import dev.iccache.store.cassandra.CassandraExampleStore;
import dev.iccache.store.cassandra.CassandraStoreSettings;
import dev.iccache.store.lucene.LuceneExampleStore;
import dev.iccache.trace.Tracing;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The example bank of one process, built from the configuration: the embedder, the store
 * (Lucene under {@code data-dir/bank}, memory, or a Cassandra keyspace with the learned state the gateways on it
 * share, searched in a node-local mirror) and the admitter. Shared by {@code serve}, {@code import} and
 * {@code export}. The gateways sharing a Cassandra bank run its scheduled jobs (eviction, purge, replay) once for all
 * of them: each run, the one holding the job's {@link Lease} does; one of them learns selection for all
 * ({@link SelectionSync}).
 */
public final class ExampleBank implements AutoCloseable {
    /** How old the bank gauge's count may be. */
    static final Duration GAUGE_MAX_AGE = Duration.ofSeconds(10);
    private static final System.Logger LOG = System.getLogger(ExampleBank.class.getName());
    private static final Duration PURGE_EVERY = Duration.ofMinutes(10);
    /** A job's lease lasts this many of its periods, so that its holder renews it before it expires. */
    private static final int LEASE_PERIODS = 2;

    private final Embedder embedder;
    private final ExampleStore store;
    private final Optional<SharedState> sharedState;
    private final UserPseudonyms users;
    private final ExampleAdmitter admitter;
    private final ExampleEvictor evictor;
    private final ScheduledExecutorService scheduler;
    private final Metrics metrics;
    /** Who this process is when it holds a job's lease. */
    private final String holder = UUID.randomUUID().toString();
    private final ExecutorService selectionThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final ExecutorService learner = Executors.newSingleThreadExecutor(daemon("iccache-learner"));
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    /** Runs the rounds of the selection sync (a round may wait on the store). */
    private final ScheduledExecutorService selectionSyncThread =
            Executors.newSingleThreadScheduledExecutor(daemon("iccache-selection-sync"));
    /** Runs the syncs of a Cassandra bank's node-local mirror. */
    private final ScheduledExecutorService mirrorSyncThread =
            Executors.newSingleThreadScheduledExecutor(daemon("iccache-bank-mirror"));
    /** Runs the checks of {@link IdleCompaction} (a compaction takes minutes on a large bank). */
    private final ScheduledExecutorService compactionThread =
            Executors.newSingleThreadScheduledExecutor(daemon("iccache-bank-compaction"));
    /** The selection sync {@link #augmenter} started, if any. */
    private volatile Optional<SelectionSync> selectionSync = Optional.empty();

    private ExampleBank(Embedder embedder, OpenedStore opened, UserPseudonyms users, ExampleAdmitter admitter,
            ExampleEvictor evictor, ScheduledExecutorService scheduler, Metrics metrics) {
        this.embedder = embedder;
        this.store = opened.store();
        this.sharedState = opened.shared();
        this.users = users;
        this.admitter = admitter;
        this.evictor = evictor;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /**
     * Opens the bank configured in {@code config}; {@code env} resolves the embedder's API key.
     */
    public static ExampleBank open(IccacheConfig config, Metrics metrics, UnaryOperator<String> env) {
        Embedder embedder = Embedders.create(config.embedder(), env);
        OpenedStore opened;
        ExampleStore store;
        UserPseudonyms users;
        try {
            opened = openStore(config, embedder.dimension());
            store = opened.store();
        } catch (RuntimeException e) {
            embedder.close();
            throw e;
        }
        try {
            users = userPseudonyms(config, store);
        } catch (RuntimeException e) {
            store.close();
            embedder.close();
            throw e;
        }
        // Counting is a full scan on some stores (Cassandra), and the gauge is read on every scrape and every
        // dashboard sample (2 s): it reports a count at most GAUGE_MAX_AGE old.
        LoadingCache<String, Long> counted = Caffeine.newBuilder().expireAfterWrite(GAUGE_MAX_AGE)
                .build(k -> store.stats().count());
        metrics.gauge("iccache_bank_examples", "Examples in the bank (at most 10 s old).")
                .track(() -> counted.get("count"));
        ExampleAdmitter admitter = new ExampleAdmitter(embedder, store, config.bank(), Scrubber.from(config.scrub()),
                users, InstantSource.system(), metrics, daemon("iccache-admission"));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemon("iccache-bank"));
        ExampleEvictor evictor = new ExampleEvictor(store, config.bank().maxExamples(), config.bank().maxBytes(),
                InstantSource.system(), metrics);
        ExampleBank bank = new ExampleBank(embedder, opened, users, admitter, evictor, scheduler, metrics);
        opened.mirror().ifPresent(mirror -> bank.syncMirror(mirror, config.bank().cassandra().syncMillis()));
        // Expired examples are never returned by a search; purging them only reclaims space.
        if (config.bank().ttlHours() > 0) {
            bank.schedule("purge", PURGE_EVERY, () -> purge(store));
        }
        if (evictor.enabled()) {
            bank.schedule("eviction", Duration.ofSeconds(ExampleEvictor.CHECK_EVERY_SECONDS), () -> evict(evictor));
        }
        if (config.bank().compaction().enabled()) {
            bank.compactWhenIdle(new IdleCompaction(store, config.bank().compaction(), IdleCompaction.processCpuShare(),
                    System::nanoTime, metrics), config.bank().compaction().checkSeconds());
        }
        return bank;
    }

    /** A store as configured, with the learned state it shares with other gateways and its mirror, if any. */
    private record OpenedStore(ExampleStore store, Optional<SharedState> shared,
            Optional<MirroredExampleStore> mirror) {
    }

    /**
     * The configured store: in memory, Lucene under {@code data-dir/bank}, or the shared Cassandra keyspace, searched
     * in a node-local Lucene mirror under {@code data-dir/bank-mirror} unless {@code bank.cassandra.search} is
     * {@code cassandra}.
     */
    private static OpenedStore openStore(IccacheConfig config, int dimensions) {
        return switch (config.bank().store()) {
            case "memory" -> new OpenedStore(new InMemoryExampleStore(), Optional.empty(), Optional.empty());
            case "cassandra" -> {
                CassandraConfig c = config.bank().cassandra();
                CassandraStoreSettings settings = CassandraStoreSettings.of(c.contactPoints(), c.localDatacenter(),
                        c.keyspace(), c.replicationFactor(), dimensions);
                boolean inCassandra = c.search().equals("cassandra");
                CassandraExampleStore cassandra = CassandraExampleStore.open(inCassandra ? settings
                        : settings.withoutVectorSearch());
                Optional<SharedState> shared = Optional.of(cassandra.sharedState());
                if (inCassandra) {
                    yield new OpenedStore(cassandra, shared, Optional.empty());
                }
                LuceneExampleStore local;
                try {
                    local = LuceneExampleStore.open(mirrorDirectory(config));
                } catch (RuntimeException e) {
                    cassandra.close();
                    throw e;
                }
                LOG.log(Level.INFO, "bringing the node-local copy of the shared bank up to date ({0})",
                        mirrorDirectory(config));
                MirroredExampleStore mirror = MirroredExampleStore.open(cassandra, cassandra, local,
                        config.dataDir().resolve("bank-mirror.json"), InstantSource.system());
                yield new OpenedStore(mirror, shared, Optional.of(mirror));
            }
            default -> new OpenedStore(LuceneExampleStore.open(bankDirectory(config)), Optional.empty(),
                    Optional.empty());
        };
    }

    /** Where a gateway on a Cassandra bank keeps its node-local copy for searches. */
    static Path mirrorDirectory(IccacheConfig config) {
        return config.dataDir().resolve("bank-mirror");
    }

    /** Syncs the mirror every {@code millis} on a thread of its own; a failed sync is retried at the next. */
    private void syncMirror(MirroredExampleStore mirror, int millis) {
        repeat(mirrorSyncThread, Duration.ofMillis(millis), "the bank's mirror sync",
                "syncing the bank's node-local copy", mirror::sync);
        metrics.gauge("iccache_bank_mirror_behind_seconds",
                "How far this gateway's copy of the shared bank may be behind it: seconds since its last sync began.")
                .track(() -> mirror.behind(InstantSource.system().instant()).toMillis() / 1000.0);
    }

    /** Runs the compaction checks every {@code seconds} on a thread of their own; a failed one is tried again. */
    private void compactWhenIdle(IdleCompaction compaction, int seconds) {
        repeat(compactionThread, Duration.ofSeconds(seconds), "the bank's compaction", "compacting the bank",
                compaction::check);
    }

    /**
     * Runs {@code task} on {@code thread} every {@code period}; a failure is logged once per outage (as
     * {@code what} failing while {@code doing}) and the task runs again at the next period. Failures after the thread
     * was shut down (a close cuts the task short) are not logged.
     */
    private static void repeat(ScheduledExecutorService thread, Duration period, String what, String doing,
            Runnable task) {
        OutageLog outage = new OutageLog(LOG, what);
        thread.scheduleWithFixedDelay(() -> {
            try {
                task.run();
                outage.worked();
            } catch (RuntimeException e) {
                if (!thread.isShutdown()) {
                    outage.failed(doing, e);
                }
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Makes daemon threads with this name, for background work that must not keep the JVM alive. */
    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The request-path side of the bank: example selection for small models, with each domain's
     * utility model and threshold tuner loaded from (and checkpointed every minute to)
     * {@code data-dir/learned/<domain>/} ({@link LearnedFiles}); the backends' costs are read from
     * {@code backends}, the configuration in force. On a bank that gateways share, and unless
     * {@code selection.sync-seconds} is 0, what selection learns is synced with theirs every
     * {@code selection.sync-seconds} ({@link SelectionSync}).
     */
    public InContextAugmenter augmenter(IccacheConfig config, Supplier<IccacheConfig> backends, Metrics metrics,
            Tracing tracing) {
        InContextAugmenter augmenter = Assembly.augmenter(config, backends, store, embedder,
                file -> Assembly.utilityModel(config, file), new LearnedFiles(config.dataDir()),
                runtime().withTracing(tracing), metrics);
        double seconds = config.selection().syncSeconds();
        selectionSync = sharedState.filter(s -> seconds > 0).map(shared -> {
            Duration period = Duration.ofMillis(Math.max(1, Math.round(seconds * 1000)));
            Lease lease = new Lease(shared, SelectionSync.JOB, holder, period.multipliedBy(LEASE_PERIODS),
                    InstantSource.system(), metrics);
            SelectionSync sync = new SelectionSync(shared, lease, augmenter.states(), augmenter.selector().clusters());
            selectionSyncThread.scheduleWithFixedDelay(sync::sync, period.toMillis(), period.toMillis(),
                    TimeUnit.MILLISECONDS);
            return sync;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                augmenter.checkpoint();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "utility model checkpoint failed; will retry", e);
            }
        }, 1, 1, TimeUnit.MINUTES);
        return augmenter;
    }

    /** Real time, this bank's threads and a fresh seed. */
    public Assembly.Runtime runtime() {
        return new Assembly.Runtime(InstantSource.system(), Ticker.SYSTEM, scheduler, selectionThreads, learner,
                background, new SplittableRandom().nextLong());
    }

    /**
     * Whether this gateway learns selection now: always, unless it syncs selection with other gateways, of which only
     * the one holding the lease learns ({@link SelectionSync#learning}).
     */
    public boolean learnsSelection() {
        return selectionSync.map(SelectionSync::learning).orElse(true);
    }

    /** Evicts down to the budget now, when one is set; logs what it did. */
    public void evict() {
        if (evictor.enabled()) {
            evict(evictor);
        }
    }

    private static void evict(ExampleEvictor evictor) {
        try {
            ExampleEvictor.Report r = evictor.run();
            if (r.evicted() > 0) {
                LOG.log(Level.INFO, "evicted {0} examples ({1} bytes) to stay under the bank budget", r.evicted(),
                        r.bytesFreed());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "eviction failed; will retry", e);
        }
    }

    /**
     * Runs {@code task}, the job named {@code job}, on the bank's background scheduler every {@code minutes}; on a
     * bank that gateways share, only when this gateway holds the job's lease.
     */
    public void every(String job, double minutes, Runnable task) {
        schedule(job, Duration.ofMillis((long) (minutes * 60_000)), task);
    }

    private void schedule(String job, Duration period, Runnable task) {
        Runnable run = sharedState.<Runnable>map(shared -> {
            Lease lease = new Lease(shared, job, holder, period.multipliedBy(LEASE_PERIODS), InstantSource.system(),
                    metrics);
            return () -> {
                if (lease.acquire()) {
                    task.run();
                }
            };
        }).orElse(task);
        long ms = period.toMillis();
        scheduler.scheduleWithFixedDelay(run, ms, ms, TimeUnit.MILLISECONDS);
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

    /** Where the key of end-user pseudonyms is kept. */
    public static Path userKey(IccacheConfig config) {
        return config.dataDir().resolve("user-key");
    }

    /**
     * The end-user pseudonyms of the bank in {@code store}: under the key in {@code data-dir/user-key},
     * made on first use (see {@link UserPseudonyms#open}). A memory bank gets a key of its own that dies
     * with it.
     */
    public static UserPseudonyms userPseudonyms(IccacheConfig config, ExampleStore store) {
        return config.bank().store().equals("memory") ? UserPseudonyms.generate(new SecureRandom())
                : UserPseudonyms.open(userKey(config), store, new SecureRandom());
    }

    /**
     * Logs a warning when the Lucene bank is empty although the data directory holds checkpoints
     * learned with one: the bank was probably moved or deleted. A fresh data directory is silent.
     */
    public void warnIfEmptied(IccacheConfig config) {
        if (!config.bank().store().equals("lucene") || store.stats().count() > 0) {
            return;
        }
        List<Path> learned = new LearnedFiles(config.dataDir()).existing();
        if (!learned.isEmpty()) {
            LOG.log(Level.WARNING, "the example bank {0} is empty, but {1} hold what was learned with one: if it was "
                    + "moved or deleted, stop and restore it; serving with no examples", bankDirectory(config), learned);
        }
    }

    public Embedder embedder() {
        return embedder;
    }

    /** Runs background model work (shadow runs, judgments): virtual threads, stopped on close. */
    public ExecutorService background() {
        return background;
    }

    public ExampleStore store() {
        return store;
    }

    /** The learned state the gateways sharing this bank's store share (a Cassandra bank's), if any. */
    public Optional<SharedState> sharedState() {
        return sharedState;
    }

    /** Pseudonymises end users as the stored examples name them (for per-user delete). */
    public UserPseudonyms users() {
        return users;
    }

    public ExampleAdmitter admitter() {
        return admitter;
    }

    /** Finishes queued admissions, then closes the store and the embedder. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        selectionSyncThread.shutdownNow();
        mirrorSyncThread.shutdownNow();
        compactionThread.shutdownNow();
        selectionThreads.shutdownNow();
        background.shutdownNow();
        learner.shutdown();
        try {
            mirrorSyncThread.awaitTermination(10, TimeUnit.SECONDS);
            learner.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
