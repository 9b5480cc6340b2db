package dev.iccache.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.metrics.Metrics;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.VirtualClock;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import dev.iccache.embed.Embedder;
import dev.iccache.route.JudgeBudget;
import dev.iccache.route.LinearThompsonBandit;
import dev.iccache.route.LoadBias;
import dev.iccache.route.QualityGuard;
import dev.iccache.route.RequestFeatures;
import dev.iccache.route.Router;
import dev.iccache.route.RouterSettings;
import dev.iccache.select.TokenCounter;
import dev.iccache.tenant.DomainStates;
import dev.iccache.trace.Tracing;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GatewayTest {
    private final IccacheConfig config = IccacheConfig.embeddedDefault();
    private final Gateway gateway = new Gateway(config, config.backends().stream().map(this::bounded).toList(),
            Optional.empty(), Optional.empty(), Optional.empty(), new Metrics());

    private BoundedBackend bounded(BackendConfig b) {
        VirtualClock clock = new VirtualClock();
        return new BoundedBackend(new SimulatedBackend(b, SimProfile.named(b.simulated()), clock,
                InstantSource.system(), 1, 1), clock, new BackendMetrics(new Metrics()));
    }

    private static ChatRequest request(String model) {
        return ChatRequest.parse(("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theVirtualModelGoesToTheDefaultModel() {
        Route r = gateway.route(request("iccache"), Tenant.DEFAULT);
        assertThat(r.backend().config().name()).isEqualTo("sim-large");
        assertThat(r.reason()).isEqualTo("default");
        assertThat(r.examples()).isZero();
    }

    @Test
    void aBackendModelIsPinned() {
        Route r = gateway.route(request("sim-small"), Tenant.DEFAULT);
        assertThat(r.backend().config().name()).isEqualTo("sim-small");
        assertThat(r.reason()).isEqualTo("pinned");
    }

    @Test
    void anUnknownModelIs404WithTheAvailableModels() {
        assertThatThrownBy(() -> gateway.route(request("gpt-17"), Tenant.DEFAULT)).isInstanceOfSatisfying(IccacheException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND);
            assertThat(e.code()).hasValue("model_not_found");
            assertThat(e.getMessage()).contains("iccache", "sim-small", "sim-large");
        });
    }

    @Test
    void aFailingRouterIsBypassedToTheDefaultModel() {
        Metrics metrics = new Metrics();
        RouterSettings settings = RouterSettings.DEFAULT;
        LoadBias loadBias = new LoadBias(settings);
        DomainStates<Router> routers = new DomainStates<>(domain -> new Router(settings,
                new LinearThompsonBandit(RequestFeatures.ARM_DIMENSION, 1, 0.3, 0.999), loadBias, new QualityGuard(0.4),
                new SplittableRandom(1), "sim-large"), (domain, router) -> { }, 1);
        Embedder broken = new Embedder() {
            @Override
            public int dimension() {
                return 384;
            }

            @Override
            public List<float[]> embedAll(List<String> texts) {
                throw new IllegalStateException("injected failure");
            }
        };
        ModelRouting routing = new ModelRouting(routers, loadBias, broken, TokenCounter.cl100k(),
                (q, a, b) -> OptionalDouble.empty(), new JudgeBudget(30, System::nanoTime), Runnable::run, "sim-large",
                metrics, Tracing.NOOP);
        Gateway routed = new Gateway(config, config.backends().stream().map(this::bounded).toList(), Optional.empty(),
                Optional.of(routing), Optional.empty(), metrics);
        Route r = routed.route(request("iccache"), Tenant.DEFAULT);
        assertThat(r.reason()).isEqualTo("bypass");
        assertThat(r.backend().config().name()).isEqualTo("sim-large");
        assertThat(metrics.scrape()).contains("iccache_bypass_total{component=\"router\"} 1.0");
    }

    @Test
    void everyConfiguredBackendNeedsAnInstance() {
        assertThatThrownBy(() -> new Gateway(config, List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                new Metrics())).isInstanceOf(IllegalArgumentException.class);
    }
}
