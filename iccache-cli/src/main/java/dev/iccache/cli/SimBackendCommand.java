package dev.iccache.cli;

import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.server.SimBackendServer;
import dev.iccache.time.SimClock;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iccache sim-backend}: a simulated OpenAI-compatible model server. */
@Command(name = "sim-backend", mixinStandardHelpOptions = true,
        description = "Run a SIMULATED OpenAI-compatible model server (latency model, filler text).")
final class SimBackendCommand implements Callable<Integer> {
    @Option(names = "--profile", required = true, description = "small or large.")
    String profile;

    @Option(names = "--port", required = true, description = "Listen port (0 picks a free one).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the generated text (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--model", description = "Model id served (default sim-<profile>).")
    String model;

    @Option(names = "--time-scale", defaultValue = "1",
            description = "Run this many times faster than the calibrated profile (default ${DEFAULT-VALUE}).")
    double timeScale;

    @Override
    public Integer call() throws InterruptedException {
        SimProfile p = SimProfile.named(profile);
        String name = model == null ? "sim-" + p.name() : model;
        SimulatedBackend backend = new SimulatedBackend(BackendConfig.simulated(name, p.name(), timeScale), p,
                SimClock.REAL, InstantSource.system(), seed, timeScale);
        SimBackendServer server = new SimBackendServer(backend, host, port).start();
        System.out.printf("SIMULATED backend '%s' (profile %s, seed %d, time scale %s) on http://%s:%d/v1%n", name,
                p.name(), seed, timeScale, host, server.port());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "sim-backend-shutdown"));
        Thread.currentThread().join();
        return 0;
    }
}
