package dev.iccache.backend.http;

import dev.iccache.backend.ModelBackend;
import dev.iccache.backend.ModelBackendContract;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.server.SimBackendServer;
import dev.iccache.time.SimClock;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The HTTP client against a simulated model server on loopback. */
class HttpModelBackendContractTest extends ModelBackendContract {
    private static SimBackendServer server;
    private static ScheduledExecutorService watchdog;

    @BeforeAll
    static void startServer() {
        server = new SimBackendServer(new SimulatedBackend(BackendConfig.simulated("upstream-id", "small", 1000),
                SimProfile.SMALL, SimClock.REAL, InstantSource.system(), 1, 1000), "127.0.0.1", 0).start();
        watchdog = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stopServer() {
        server.close();
        watchdog.shutdownNow();
    }

    @Override
    protected ModelBackend createBackend() {
        BackendConfig c = new BackendConfig("client-name", "http://127.0.0.1:" + server.port() + "/v1", "upstream-id",
                null, BackendRole.SMALL, 0, 0, 0, 0, 0, 0, 0, 0, null, 0);
        return new HttpModelBackend(c, name -> null, watchdog, SimClock.REAL);
    }
}
