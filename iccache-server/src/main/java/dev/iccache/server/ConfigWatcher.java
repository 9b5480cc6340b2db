package dev.iccache.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Watches a configuration file and runs a reload once it has stopped changing for a debounce time,
 * so that an editor's several writes (or a rename over it, or a Kubernetes ConfigMap's symlink swap
 * of {@code ..data}) make one reload. Watches the file's directory; events of other files there are
 * ignored.
 */
public final class ConfigWatcher implements AutoCloseable {
    /** The debounce of {@code iccache serve}. */
    public static final Duration DEBOUNCE = Duration.ofMillis(500);
    private static final System.Logger LOG = System.getLogger(ConfigWatcher.class.getName());

    private final Path file;
    private final Duration debounce;
    private final Runnable reload;
    private final WatchService watch;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            ExampleBank.daemon("iccache-config-reload"));
    private final Thread watcher;
    private ScheduledFuture<?> pending;

    private ConfigWatcher(Path file, Duration debounce, Runnable reload) throws IOException {
        this.file = file.toAbsolutePath().normalize();
        this.debounce = debounce;
        this.reload = reload;
        this.watch = FileSystems.getDefault().newWatchService();
        this.file.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        this.watcher = Thread.ofPlatform().daemon().name("iccache-config-watch").start(this::run);
    }

    /**
     * Runs {@code reload} {@code debounce} after the last change of {@code file} (on a thread of its own, one reload
     * at a time).
     */
    public static ConfigWatcher start(Path file, Duration debounce, Runnable reload) {
        try {
            return new ConfigWatcher(file, debounce, reload);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch the configuration file " + file + ": " + e.getMessage(), e);
        }
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = watch.take();
                boolean ours = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    ours |= event.kind() == StandardWatchEventKinds.OVERFLOW
                            || event.context() instanceof Path p && concerns(file, p);
                }
                key.reset();
                if (ours) {
                    changed();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    /**
     * Whether a change of {@code changed} (a name in the directory of {@code file}) may have changed
     * {@code file}: the file itself, or a ConfigMap's {@code ..data} symlink swapped under it.
     */
    static boolean concerns(Path file, Path changed) {
        return changed.equals(file.getFileName()) || changed.toString().equals("..data");
    }

    private synchronized void changed() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = timer.schedule(this::reloadNow, debounce.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void reloadNow() {
        try {
            reload.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "configuration reload failed: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the configuration watch: " + e.getMessage());
        }
        watcher.interrupt();
        timer.shutdownNow();
    }
}
