package dev.iccache.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.ModelBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.ConfigLoader;
import dev.iccache.config.IccacheConfig;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.Router;
import dev.iccache.select.InContextAugmenter.Augmented;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.VirtualClock;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Fallbacks below the handler: who answers, with which request, and what is never restarted. */
class FailoverTest {
    private static final ChatRequest ORIGINAL = request("{\"role\":\"user\",\"content\":\"2+2?\"}");
    private static final ChatRequest WITH_EXAMPLES = request("{\"role\":\"system\",\"content\":\"examples: 1+1=2\"},"
            + "{\"role\":\"user\",\"content\":\"2+2?\"}");

    private final Metrics metrics = new Metrics();
    /** Backend name and the request it was sent, in call order. */
    private final List<String> calls = new CopyOnWriteArrayList<>();

    private static ChatRequest request(String messages) {
        return pinned("m", messages);
    }

    private static ChatRequest pinned(String model, String messages) {
        return ChatRequest.parse(("{\"model\":\"" + model + "\",\"messages\":[" + messages + "]}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The client's request, pinned to {@code model}. */
    private static ChatRequest to(String model) {
        return pinned(model, "{\"role\":\"user\",\"content\":\"2+2?\"}");
    }

    private static IccacheConfig config(String backendsYaml) {
        return ConfigLoader.parse("backends:\n" + backendsYaml, "test");
    }

    /** A backend that fails with {@code failure} (or answers its name when null), streams included. */
    private ModelBackend backend(BackendConfig config, ErrorKind failure) {
        return new ModelBackend() {
            @Override
            public BackendConfig config() {
                return config;
            }

            @Override
            public ChatResponse complete(ChatRequest request) {
                calls.add(config.name() + " " + request.messages());
                if (failure != null) {
                    throw IccacheException.of(failure, "Backend '" + config.name() + "' failed.");
                }
                var body = Json.object();
                body.putArray("choices").addObject().putObject("message").put("role", "assistant")
                        .put("content", config.name());
                return new ChatResponse(body);
            }

            @Override
            public ChatStream stream(ChatRequest request) {
                calls.add(config.name() + " " + request.messages());
                if (failure != null) {
                    throw IccacheException.of(failure, "Backend '" + config.name() + "' failed.");
                }
                return new ChatStream() {
                    private int sent;

                    @Override
                    public Optional<ChatChunk> next() {
                        if (sent++ == 0) {
                            var body = Json.object();
                            body.putArray("choices").addObject().putObject("delta").put("content", config.name());
                            return Optional.of(new ChatChunk(body));
                        }
                        throw IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + config.name()
                                + "' closed the stream mid-response.");
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
    }

    private Gateway gateway(IccacheConfig config, Map<String, ErrorKind> failures) {
        VirtualClock clock = new VirtualClock();
        BackendMetrics backendMetrics = new BackendMetrics(metrics);
        return new Gateway(config, config.backends().stream().map(b -> new BoundedBackend(backend(b,
                failures.get(b.name())), clock, backendMetrics)).toList(), Optional.empty(), Optional.empty(),
                Optional.empty(), metrics);
    }

    private static final String SMALL_AND_LARGE = """
              - {name: small, simulated: small}
              - {name: large, simulated: large, fallbacks: [small]}
            """;

    @Test
    void aFailedBackendIsAnsweredByItsFallbackAndTheRouteSaysSo() {
        Gateway g = gateway(config(SMALL_AND_LARGE), Map.of("large", ErrorKind.BACKEND_UNAVAILABLE));
        Route pinned = g.route(to("large"), Tenant.DEFAULT);
        Answer<ChatResponse> answer = g.complete(pinned, ORIGINAL, Tenant.DEFAULT);
        assertThat(answer.route().backend().config().name()).isEqualTo("small");
        assertThat(answer.route().reason()).isEqualTo(Route.FALLBACK);
        assertThat(answer.response().content()).isEqualTo("small");
        assertThat(metrics.scrape()).contains("iccache_fallbacks_total{from=\"large\",to=\"small\"} 1.0");
    }

    @Test
    void aSmallModelsFallbackIsSentTheClientsRequestWithoutItsExamples() {
        Gateway g = gateway(config("""
                  - {name: small, simulated: small, fallbacks: [large]}
                  - {name: large, simulated: large}
                """), Map.of("small", ErrorKind.OVERLOADED));
        BoundedBackend small = g.backends().iterator().next();
        Route withExamples = new Route(small, "pinned", new Augmented(WITH_EXAMPLES, Optional.empty(), false),
                Optional.empty());
        Answer<ChatResponse> answer = g.complete(withExamples, ORIGINAL, Tenant.DEFAULT);
        assertThat(answer.route().backend().config().name()).isEqualTo("large");
        assertThat(answer.route().examples()).isZero();
        assertThat(calls).containsExactly("small " + WITH_EXAMPLES.messages(), "large " + ORIGINAL.messages());
    }

    @Test
    void aRoutedRequestsFallbackGetsTheRequestMadeForItsOwnArm() {
        Gateway g = gateway(config(SMALL_AND_LARGE), Map.of("large", ErrorKind.BACKEND_TIMEOUT));
        BoundedBackend large = g.backends().stream().filter(b -> b.config().name().equals("large")).findFirst()
                .orElseThrow();
        ModelRouting.Plan plan = new ModelRouting.Plan(new Router.Decision("large", Map.of(), 0, 0, Optional.empty()),
                Map.of(), Map.of("large", new Augmented(ORIGINAL, Optional.empty(), false),
                "small", new Augmented(WITH_EXAMPLES, Optional.empty(), false)));
        Route routed = new Route(large, "routed", plan.augmented().get("large"), Optional.of(plan));
        Answer<ChatResponse> answer = g.complete(routed, ORIGINAL, Tenant.DEFAULT);
        assertThat(answer.route().backend().config().name()).isEqualTo("small");
        assertThat(answer.route().plan()).as("the router learns nothing from a fallback").isEmpty();
        assertThat(calls).containsExactly("large " + ORIGINAL.messages(), "small " + WITH_EXAMPLES.messages());
    }

    @Test
    void aClientErrorIsNotHandedToAFallback() {
        Gateway g = gateway(config(SMALL_AND_LARGE), Map.of("large", ErrorKind.INVALID_REQUEST));
        Route pinned = g.route(to("large"), Tenant.DEFAULT);
        assertThatThrownBy(() -> g.complete(pinned, ORIGINAL, Tenant.DEFAULT)).isInstanceOfSatisfying(
                IccacheException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
        assertThat(calls).hasSize(1);
    }

    @Test
    void fallbacksAreTriedInOrderThenTheirOwnAndTheFirstFailureIsReported() {
        Gateway g = gateway(config("""
                  - {name: a, simulated: large, fallbacks: [b, c]}
                  - {name: b, simulated: large, fallbacks: [d]}
                  - {name: c, simulated: small}
                  - {name: d, simulated: small}
                """), Map.of("a", ErrorKind.RATE_LIMITED, "b", ErrorKind.BACKEND_UNAVAILABLE,
                "c", ErrorKind.OVERLOADED, "d", ErrorKind.BACKEND_TIMEOUT));
        Route pinned = g.route(to("a"), Tenant.DEFAULT);
        assertThatThrownBy(() -> g.complete(pinned, ORIGINAL, Tenant.DEFAULT)).isInstanceOfSatisfying(
                IccacheException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.RATE_LIMITED);
                    assertThat(e.getMessage()).contains("'a' failed", "fallbacks failed too", "'b'", "'c'", "'d'");
                });
        assertThat(calls).extracting(c -> c.split(" ")[0]).containsExactly("a", "b", "c", "d");
        assertThat(metrics.scrape()).contains("iccache_fallbacks_total{from=\"a\",to=\"b\"} 1.0",
                "iccache_fallbacks_total{from=\"b\",to=\"c\"} 1.0", "iccache_fallbacks_total{from=\"c\",to=\"d\"} 1.0");
    }

    @Test
    void aStreamFailingBeforeItsFirstChunkFallsBackButOneThatStartedIsNeverRestarted() {
        Gateway g = gateway(config(SMALL_AND_LARGE), Map.of("large", ErrorKind.BACKEND_UNAVAILABLE));
        Answer<ChatStream> answer = g.stream(g.route(to("large"), Tenant.DEFAULT), ORIGINAL,
                Tenant.DEFAULT);
        assertThat(answer.route().backend().config().name()).isEqualTo("small");

        Gateway healthy = gateway(config(SMALL_AND_LARGE), Map.of());
        calls.clear();
        Answer<ChatStream> started = healthy.stream(healthy.route(to("large"), Tenant.DEFAULT),
                ORIGINAL, Tenant.DEFAULT);
        try (ChatStream s = started.response()) {
            assertThat(s.next().orElseThrow().deltaText()).isEqualTo("large");
            assertThatThrownBy(s::next).isInstanceOf(IccacheException.class).hasMessageContaining("mid-response");
        }
        assertThat(calls).as("no fallback after the first chunk").hasSize(1);
    }
}
