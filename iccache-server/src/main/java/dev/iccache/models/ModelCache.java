package dev.iccache.models;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The per-user directory that holds the real models' Python environment, assembled model files,
 * logs and the record of what is installed: {@code $ICCACHE_CACHE_DIR}, else
 * {@code $XDG_CACHE_HOME/iccache}, else {@code ~/.cache/iccache}. It lives outside every checkout,
 * so that each clone on the machine (CI's fresh one included) finds one installation.
 */
public record ModelCache(Path root) {
    /** The environment variable that overrides the location. */
    public static final String ENV = "ICCACHE_CACHE_DIR";

    public ModelCache {
        root = root.toAbsolutePath().normalize();
    }

    /** The directory {@code override} names, else the one the environment names. */
    public static ModelCache locate(Optional<Path> override, UnaryOperator<String> env) {
        if (override.isPresent()) {
            return new ModelCache(override.get());
        }
        String explicit = env.apply(ENV);
        if (explicit != null && !explicit.isBlank()) {
            return new ModelCache(Path.of(explicit));
        }
        String xdg = env.apply("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return new ModelCache(Path.of(xdg, "iccache"));
        }
        String home = env.apply("HOME");
        return new ModelCache(Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home,
                ".cache", "iccache"));
    }

    /** Fails when the cache would sit inside {@code checkout} (each clone would then install its own copy). */
    public ModelCache outside(Path checkout) {
        Path c = checkout.toAbsolutePath().normalize();
        if (root.startsWith(c)) {
            throw new IllegalStateException("the model cache " + root + " is inside the checkout " + c
                    + "; point " + ENV + " (or --cache-dir) at a directory outside it, e.g. ~/.cache/iccache");
        }
        return this;
    }

    /** The Python environment. */
    public Path venv() {
        return root.resolve("venv");
    }

    /** The environment's Python. */
    public Path python() {
        return venv().resolve("bin").resolve("python");
    }

    /** What {@link ModelInstaller} installed (written last, so it exists only after a complete install). */
    public Path installedFile() {
        return root.resolve("installed.json");
    }

    /** Model files assembled from several parts. */
    public Path models() {
        return root.resolve("models");
    }

    /** Logs of installs and servers. */
    public Path logs() {
        return root.resolve("logs");
    }

    /** Records of the servers {@code iccache models start} left running. */
    public Path run() {
        return root.resolve("run");
    }
}
