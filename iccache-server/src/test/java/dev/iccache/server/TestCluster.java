package dev.iccache.server;

import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BankConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.time.SimClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Two simulated model servers and a gateway in front of them, all on loopback with free ports. */
final class TestCluster implements AutoCloseable {
    final SimBackendServer small;
    final SimBackendServer large;
    final GatewayServer gateway;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    TestCluster(double timeScale, long maxBodyBytes, Path dataDir) {
        this(timeScale, b -> b.server(new ServerConfig("127.0.0.1", 0, maxBodyBytes)).dataDir(dataDir)
                .bank(BankConfig.DEFAULT.withStore("memory")), Map.of());
    }

    /**
     * @param customise adjusts the configuration (backends are set afterwards)
     * @param env       the environment the gateway sees (API keys)
     */
    TestCluster(double timeScale, UnaryOperator<IccacheConfig.Builder> customise, Map<String, String> env) {
        small = sim("sim-small", SimProfile.SMALL, timeScale);
        large = sim("sim-large", SimProfile.LARGE, timeScale);
        gateway = GatewayServer.start(customise.apply(IccacheConfig.builder()
                .server(new ServerConfig("127.0.0.1", 0, 1 << 20)).defaultModel("sim-large"))
                .backends(List.of(
                        BackendConfig.remote("sim-small", "http://127.0.0.1:" + small.port() + "/v1", BackendRole.SMALL),
                        BackendConfig.remote("sim-large", "http://127.0.0.1:" + large.port() + "/v1",
                                BackendRole.LARGE))).build(), env::get);
    }

    static SimBackendServer sim(String name, SimProfile profile, double timeScale) {
        return new SimBackendServer(new SimulatedBackend(BackendConfig.simulated(name, profile.name(), timeScale),
                profile, SimClock.REAL, InstantSource.system(), 3, timeScale), "127.0.0.1", 0).start();
    }

    String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        gateway.close();
        small.close();
        large.close();
    }

    /** Closes each of {@code clusters} that was started (a test's {@code @AfterEach} after a failed start). */
    static void closeAll(TestCluster... clusters) {
        for (TestCluster c : clusters) {
            if (c != null) {
                c.close();
            }
        }
    }
}
