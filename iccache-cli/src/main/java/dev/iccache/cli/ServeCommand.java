package dev.iccache.cli;

import dev.iccache.config.ConfigLoader;
import dev.iccache.config.IccacheConfig;
import dev.iccache.server.ConfigWatcher;
import dev.iccache.server.GatewayServer;
import dev.iccache.time.SimClock;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iccache serve}: runs the gateway until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the OpenAI-compatible gateway. Without --config: two in-process SIMULATED backends.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", description = "YAML configuration file (see docs/configuration.md).")
    Path config;

    @Option(names = "--port", description = "Listen port; overrides server.port.")
    Integer port;

    @Option(names = "--data-dir", description = "State directory; overrides data-dir.")
    Path dataDir;

    @Option(names = "--watch-config", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Reload the --config file when it changes (default: on); POST /admin/config/reload "
                    + "reloads it too.")
    boolean watchConfig;

    @Override
    public Integer call() throws InterruptedException {
        IccacheConfig cfg = read();
        GatewayServer server = GatewayServer.start(cfg, this::read, System::getenv, SimClock.REAL);
        Optional<ConfigWatcher> watcher = Optional.ofNullable(config).filter(c -> watchConfig)
                .map(c -> ConfigWatcher.start(c, ConfigWatcher.DEBOUNCE, server::reload));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            watcher.ifPresent(ConfigWatcher::close);
            server.close();
            stopped.countDown();
        }, "iccache-shutdown"));
        stopped.await();
        return 0;
    }

    /** The configuration file (or the embedded default) with the command line's overrides. */
    private IccacheConfig read() {
        IccacheConfig cfg = config == null ? IccacheConfig.embeddedDefault() : ConfigLoader.load(config);
        if (port != null) {
            cfg = cfg.toBuilder().server(cfg.server().withPort(port)).build();
        }
        if (dataDir != null) {
            cfg = cfg.toBuilder().dataDir(dataDir).build();
        }
        return cfg;
    }
}
