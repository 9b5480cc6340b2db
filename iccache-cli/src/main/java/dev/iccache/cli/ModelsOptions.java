package dev.iccache.cli;

import dev.iccache.models.ModelCache;
import dev.iccache.models.ModelsConfig;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options of the commands that use the real models: the models file and the cache. */
final class ModelsOptions {
    @Option(names = "--models", paramLabel = "FILE",
            description = "The models file (default: config/models.yaml of the checkout; see docs/real-models.md).")
    Path models;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Where the models are installed (default: $ICCACHE_CACHE_DIR, else ~/.cache/iccache).")
    Path cacheDir;

    private Path file() {
        return models != null ? models : ModelsConfig.locate(Path.of(""));
    }

    ModelsConfig config() {
        return ModelsConfig.load(file());
    }

    /** The cache, never inside the checkout that holds the models file. */
    ModelCache cache() {
        ModelCache cache = ModelCache.locate(Optional.ofNullable(cacheDir), System::getenv);
        Path checkout = file().toAbsolutePath().getParent().getParent();
        return models == null ? cache.outside(checkout) : cache;
    }
}
