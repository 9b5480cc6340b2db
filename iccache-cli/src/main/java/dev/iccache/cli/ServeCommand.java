package dev.iccache.cli;

import dev.iccache.config.ConfigLoader;
import dev.iccache.config.IccacheConfig;
import dev.iccache.server.GatewayServer;
import java.nio.file.Path;
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

    @Override
    public Integer call() throws InterruptedException {
        IccacheConfig cfg = config == null ? IccacheConfig.embeddedDefault() : ConfigLoader.load(config);
        if (port != null) {
            cfg = cfg.toBuilder().server(cfg.server().withPort(port)).build();
        }
        if (dataDir != null) {
            cfg = cfg.toBuilder().dataDir(dataDir).build();
        }
        GatewayServer server = GatewayServer.start(cfg);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "iccache-shutdown"));
        stopped.await();
        return 0;
    }
}
