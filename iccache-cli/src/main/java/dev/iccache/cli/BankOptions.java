package dev.iccache.cli;

import dev.iccache.config.ConfigException;
import dev.iccache.config.ConfigLoader;
import dev.iccache.config.IccacheConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options that locate a configuration and its data directory, shared by bank commands. */
final class BankOptions {
    @Option(names = "--config", description = "YAML configuration file (default: the embedded default).")
    Path config;

    @Option(names = "--data-dir", description = "State directory; overrides data-dir.")
    Path dataDir;

    /** The configuration, which must keep its bank on disk (a memory bank dies with the command). */
    IccacheConfig load() {
        IccacheConfig cfg = config == null ? IccacheConfig.embeddedDefault() : ConfigLoader.load(config);
        if (!cfg.bank().store().equals("lucene")) {
            throw new ConfigException("bank.store is '" + cfg.bank().store()
                    + "': import and export need the durable store (bank.store: lucene)");
        }
        return dataDir == null ? cfg : cfg.toBuilder().dataDir(dataDir).build();
    }
}
