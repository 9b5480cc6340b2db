package dev.iccache.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.api.StreamedCompletion;
import dev.iccache.api.Usage;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.metrics.Metrics;
import dev.iccache.testing.Eventually;
import dev.iccache.time.VirtualClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChoiceFanOutTest {
    private final VirtualClock clock = new VirtualClock();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ChoiceFanOut fanOut = new ChoiceFanOut(8, executor);
    private final SimulatedBackend sim = new SimulatedBackend(BackendConfig.simulated("sim", "small", 1),
            SimProfile.SMALL, clock, InstantSource.fixed(Instant.ofEpochSecond(1_700_000_000)), 3, 1);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private static ChatRequest request(String params) {
        return ChatRequest.parse(("{\"model\":\"sim\",\"max_tokens\":8," + params
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"name three colours\"}]}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The simulated backend, recording the requests it gets and failing those {@code fails} picks. */
    private static final class Recording implements ModelBackend {
        final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
        private final ModelBackend delegate;
        private final Predicate<ChatRequest> fails;

        Recording(ModelBackend delegate, Predicate<ChatRequest> fails) {
            this.delegate = delegate;
            this.fails = fails;
        }

        @Override
        public BackendConfig config() {
            return delegate.config();
        }

        @Override
        public ChatResponse complete(ChatRequest request) {
            requests.add(request);
            if (fails.test(request)) {
                throw IccacheException.of(ErrorKind.BACKEND_TIMEOUT, "call " + request.seed() + " timed out");
            }
            return delegate.complete(request);
        }

        @Override
        public ChatStream stream(ChatRequest request) {
            requests.add(request);
            return delegate.stream(request);
        }
    }

    @Test
    void refusesMoreChoicesThanItsLimit() {
        assertThat(fanOut.choices(request("\"n\":8"))).isEqualTo(8);
        assertThat(fanOut.choices(request("\"seed\":1"))).isEqualTo(1);
        assertThatThrownBy(() -> fanOut.choices(request("\"n\":9")))
                .isInstanceOfSatisfying(IccacheException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                    assertThat(e.param()).hasValue("n");
                    assertThat(e.getMessage()).contains("at most 8", "max-n");
                });
    }

    @Test
    void fansOutOneCallPerChoiceWithConsecutiveSeedsAndSumsTheUsage() {
        Recording backend = new Recording(sim, r -> false);
        ChatRequest request = request("\"n\":3,\"seed\":7");
        ChatResponse merged = fanOut.complete(backend, request.singleChoice(), 3);

        assertThat(backend.requests).hasSize(3).allSatisfy(r -> assertThat(r.bodyCopy().has("n")).isFalse());
        assertThat(backend.requests.stream().map(r -> r.seed().getAsLong())).containsExactlyInAnyOrder(7L, 8L, 9L);
        JsonNode choices = merged.body().path("choices");
        assertThat(choices).hasSize(3);
        int prompt = 0;
        int completion = 0;
        for (int i = 0; i < 3; i++) {
            ChatResponse alone = sim.complete(request("\"seed\":" + (7 + i)));
            assertThat(choices.get(i).path("index").asInt()).isEqualTo(i);
            assertThat(choices.get(i).path("message").path("content").asText()).isEqualTo(alone.content());
            prompt += alone.usage().orElseThrow().promptTokens();
            completion += alone.usage().orElseThrow().completionTokens();
        }
        assertThat(choices.get(0).path("message").path("content").asText())
                .isNotEqualTo(choices.get(1).path("message").path("content").asText());
        assertThat(merged.usage()).hasValue(new Usage(prompt, completion));
        assertThat(merged.body().path("usage").path("total_tokens").asInt()).isEqualTo(prompt + completion);
        assertThat(merged.body().path("object").asText()).isEqualTo("chat.completion");
    }

    @Test
    void withoutASeedEveryCallIsTheRequestItself() {
        Recording backend = new Recording(sim, r -> false);
        ChatRequest single = request("\"n\":2").singleChoice();
        fanOut.complete(backend, single, 2);
        assertThat(backend.requests).hasSize(2).allSatisfy(r -> assertThat(r).isSameAs(single));
    }

    @Test
    void oneFailedCallFailsTheWholeAnswer() {
        Recording backend = new Recording(sim, r -> r.seed().orElse(0) == 8);
        assertThatThrownBy(() -> fanOut.complete(backend, request("\"n\":3,\"seed\":7").singleChoice(), 3))
                .isInstanceOfSatisfying(IccacheException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.BACKEND_TIMEOUT));
    }

    @Test
    void aNativeBackendGetsTheRequestWholeAndMustReturnEveryChoice() {
        List<ChatRequest> received = new ArrayList<>();
        int[] returned = {3};
        ModelBackend nativeN = new ModelBackend() {
            @Override
            public BackendConfig config() {
                return BackendConfig.remote("vllm", "http://127.0.0.1:1/v1", BackendRole.LARGE).withNativeN(true);
            }

            @Override
            public ChatResponse complete(ChatRequest request) {
                received.add(request);
                ObjectNode body = Json.object();
                ArrayNode choices = body.putArray("choices");
                for (int i = 0; i < returned[0]; i++) {
                    choices.addObject().put("index", i).putObject("message").put("content", "answer " + i);
                }
                return new ChatResponse(body);
            }

            @Override
            public ChatStream stream(ChatRequest request) {
                throw new UnsupportedOperationException();
            }
        };
        ChatResponse r = fanOut.complete(nativeN, request("\"n\":3,\"seed\":7").singleChoice(), 3);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).n()).isEqualTo(3);
        assertThat(received.get(0).seed()).hasValue(7);
        assertThat(r.body().path("choices")).hasSize(3);

        returned[0] = 1;
        assertThatThrownBy(() -> fanOut.complete(nativeN, request("\"n\":3").singleChoice(), 3))
                .isInstanceOfSatisfying(IccacheException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.BACKEND_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("'vllm'", "1 choices for n=3", "native-n");
                });
    }

    @Test
    void streamsEveryChoiceWithItsIndexThenOneUsageChunk() {
        BoundedBackend bounded = new BoundedBackend(sim, clock, new BackendMetrics(new Metrics()));
        ChatResponse whole = fanOut.complete(sim, request("\"n\":3,\"seed\":7").singleChoice(), 3);
        List<ChatChunk> chunks = new ArrayList<>();
        ChatRequest streamed = request("\"n\":3,\"seed\":7,\"stream\":true").singleChoice();
        try (ChatStream stream = fanOut.stream(bounded, streamed, 3)) {
            Optional<ChatChunk> chunk;
            while ((chunk = stream.next()).isPresent()) {
                chunks.add(chunk.get());
            }
        }
        assertThat(bounded.load().inFlight()).isZero();
        List<ChatChunk> withChoices = chunks.stream().filter(ChatChunk::hasChoices).toList();
        assertThat(withChoices).allSatisfy(c -> {
            assertThat(c.body().path("choices")).hasSize(1);
            assertThat(c.body().has("usage")).isFalse();
        });
        assertThat(withChoices.stream().map(c -> c.body().path("choices").path(0).path("index").asInt()).distinct())
                .containsExactlyInAnyOrder(0, 1, 2);
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.hasChoices()).isFalse();
        assertThat(last.usage()).isEqualTo(whole.usage());
        assertThat(chunks.stream().filter(c -> c.usage().isPresent())).hasSize(1);
        StreamedCompletion added = new StreamedCompletion();
        chunks.forEach(added::add);
        for (int i = 0; i < 3; i++) {
            assertThat(added.response().body().path("choices").path(i).path("message").path("content").asText())
                    .isEqualTo(whole.body().path("choices").path(i).path("message").path("content").asText());
        }
    }

    @Test
    void closingAStreamEarlyClosesEveryCall() throws Exception {
        BoundedBackend bounded = new BoundedBackend(sim, clock, new BackendMetrics(new Metrics()));
        // Eight long answers: far more chunks than the stream holds, so its readers wait on the client.
        ChatRequest longAnswers = ChatRequest.parse(("{\"model\":\"sim\",\"n\":8,\"max_tokens\":200,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"tell a story\"}]}").getBytes(StandardCharsets.UTF_8));
        ChatStream stream = fanOut.stream(bounded, longAnswers.singleChoice(), 8);
        assertThat(stream.next()).isPresent();
        stream.close();
        assertThat(Eventually.holds(() -> bounded.load().inFlight() == 0 && sim.running() == 0)).isTrue();
    }
}
