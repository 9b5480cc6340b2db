package dev.iccache.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.EventStream;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.metrics.Metrics;
import dev.iccache.time.VirtualClock;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BoundedBackendTest {
    private final Metrics registry = new Metrics();
    private final VirtualClock clock = new VirtualClock();

    private static BackendConfig config(int maxConcurrent, long queueTimeoutMs) {
        return new BackendConfig("b", null, null, null, null, 0, 0, maxConcurrent, queueTimeoutMs, 0, 0, 0, 2,
                "small", 0);
    }

    @Test
    void aFullBackendRejectsWith503AfterTheQueueTimeout() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ModelBackend blocking = new ModelBackend() {
            @Override
            public BackendConfig config() {
                return BoundedBackendTest.config(1, 50);
            }

            @Override
            public ChatResponse complete(ChatRequest request) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return new ChatResponse(dev.iccache.api.Json.object());
            }

            @Override
            public ChatStream stream(ChatRequest request) {
                throw new UnsupportedOperationException();
            }
        };
        BoundedBackend bounded = new BoundedBackend(blocking, clock, new BackendMetrics(registry));
        ChatRequest r = ModelBackendContractRequests.simple();
        CompletableFuture<ChatResponse> first = CompletableFuture.supplyAsync(() -> bounded.complete(r));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(bounded.load().inFlight()).isEqualTo(1);
        assertThatThrownBy(() -> bounded.complete(r)).isInstanceOfSatisfying(IccacheException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.OVERLOADED));
        release.countDown();
        first.get(10, TimeUnit.SECONDS);
        assertThat(bounded.load().inFlight()).isZero();
        assertThat(registry.scrape()).contains("iccache_backend_errors_total{backend=\"b\",type=\"overloaded\"} 1.0");
    }

    @Test
    void aStreamHoldsItsSlotUntilClosedAndRecordsTheOutcome() {
        SimulatedBackend sim = new SimulatedBackend(config(4, 1000), SimProfile.SMALL, clock, InstantSource.system(),
                1, 1);
        BoundedBackend bounded = new BoundedBackend(sim, clock, new BackendMetrics(registry));
        ChatStream complete = bounded.stream(ModelBackendContractRequests.simple());
        ChatStream abandoned = bounded.stream(ModelBackendContractRequests.simple());
        assertThat(bounded.load().inFlight()).isEqualTo(2);
        while (complete.next().isPresent()) {
            // drain
        }
        complete.close();
        abandoned.next();
        abandoned.close();
        assertThat(bounded.load().inFlight()).isZero();
        assertThat(bounded.load().ttftEmaMs()).isPositive();
        String text = registry.scrape();
        assertThat(text).contains("iccache_backend_requests_total{backend=\"b\",outcome=\"ok\"} 1.0",
                "iccache_backend_requests_total{backend=\"b\",outcome=\"cancelled\"} 1.0",
                "iccache_backend_time_to_first_token_seconds_count{backend=\"b\"} 2",
                "iccache_backend_in_flight{backend=\"b\"} 0.0");
    }

    @Test
    void forwardedCallsHoldSlotsAndRecordTheirOutcome() {
        List<String> events = List.of("event: a\ndata: {\"n\":1}", "data: {\"n\":2}");
        ModelBackend forwarding = new ModelBackend() {
            @Override
            public BackendConfig config() {
                return BackendConfig.remote("f", "http://127.0.0.1:1/v1", BackendRole.LARGE);
            }

            @Override
            public ChatResponse complete(ChatRequest request) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ChatStream stream(ChatRequest request) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ObjectNode forward(String path, ObjectNode body) {
                return Json.object().put("path", path).put("model", body.path("model").asText());
            }

            @Override
            public EventStream forwardStream(String path, ObjectNode body) {
                Iterator<String> it = events.iterator();
                return new EventStream() {
                    @Override
                    public Optional<String> next() {
                        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
        BoundedBackend bounded = new BoundedBackend(forwarding, clock, new BackendMetrics(registry));
        assertThat(bounded.forward("/completions", Json.object().put("model", "m")).path("path").asText())
                .isEqualTo("/completions");
        EventStream read = bounded.forwardStream("/responses", Json.object());
        EventStream abandoned = bounded.forwardStream("/responses", Json.object());
        assertThat(bounded.load().inFlight()).isEqualTo(2);
        List<String> relayed = new ArrayList<>();
        for (Optional<String> e = read.next(); e.isPresent(); e = read.next()) {
            relayed.add(e.get());
        }
        read.close();
        read.close();
        abandoned.close();
        assertThat(relayed).isEqualTo(events);
        assertThat(bounded.load().inFlight()).isZero();
        assertThat(registry.scrape()).contains("iccache_backend_requests_total{backend=\"f\",outcome=\"ok\"} 2.0",
                "iccache_backend_requests_total{backend=\"f\",outcome=\"cancelled\"} 1.0");
    }

    @Test
    void aSimulatedBackendRefusesForwardedEndpointsAsABadRequest() {
        SimulatedBackend sim = new SimulatedBackend(config(4, 1000), SimProfile.SMALL, clock, InstantSource.system(),
                1, 1);
        BoundedBackend bounded = new BoundedBackend(sim, clock, new BackendMetrics(registry));
        assertThatThrownBy(() -> bounded.forwardStream("/responses", Json.object()))
                .isInstanceOfSatisfying(IccacheException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                    assertThat(e.code()).contains("unsupported_endpoint");
                    assertThat(e.getMessage()).contains("'b'", "simulated", "/v1/responses");
                });
        assertThat(bounded.load().inFlight()).isZero();
    }
}

