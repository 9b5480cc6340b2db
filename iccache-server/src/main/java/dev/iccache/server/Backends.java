package dev.iccache.server;

import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.ModelBackend;
import dev.iccache.backend.http.HttpModelBackend;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.time.SimClock;
import dev.iccache.trace.Tracing;
import java.lang.System.Logger.Level;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;

/** Builds the configured backends: remote ones over HTTP, simulated ones in process. */
public final class Backends {
    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {
    }

    /**
     * @param env      environment lookup for API keys
     * @param watchdog runs HTTP read/total timeout checks and the servers' load readings
     * @param seed     seed of simulated backends
     * @param clock    times calls, breakers' cool-downs and the age of load readings, and waits between retries
     * @param tracing  spans of the remote backends' calls
     */
    public static List<BoundedBackend> create(IccacheConfig config, BackendMetrics metrics, UnaryOperator<String> env,
            ScheduledExecutorService watchdog, long seed, SimClock clock, Tracing tracing) {
        List<BoundedBackend> out = new ArrayList<>();
        for (BackendConfig b : config.backends()) {
            ModelBackend backend;
            if (b.simulatedProfile().isPresent()) {
                LOG.log(Level.WARNING, "backend ''{0}'' is SIMULATED (profile {1}, time scale {2}): its answers are "
                        + "generated filler text, not a real model", b.name(), b.simulated(), b.simTimeScale());
                backend = new SimulatedBackend(b, SimProfile.named(b.simulated()), clock,
                        InstantSource.system(), seed, b.simTimeScale());
            } else {
                backend = new HttpModelBackend(b, env, watchdog, clock, metrics.registry(), tracing);
            }
            out.add(new BoundedBackend(backend, clock, metrics));
        }
        return out;
    }

    /** The remote embedding models of {@code embeddings.backends}, which /v1/embeddings forwards requests to. */
    public static List<BoundedBackend> embeddingModels(IccacheConfig config, BackendMetrics metrics,
            UnaryOperator<String> env, ScheduledExecutorService watchdog, SimClock clock) {
        return config.embeddings().backends().stream().map(b -> new BoundedBackend(
                new HttpModelBackend(b, env, watchdog, clock, metrics.registry(), Tracing.NOOP), clock, metrics)).toList();
    }
}
