package dev.iccache.backend.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.api.Usage;
import dev.iccache.backend.ModelBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.time.SimClock;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A simulated LLM server: OpenAI chat completions with the latency of a {@link SimProfile}
 * (queue behind a maximum batch, prefill, batch-dependent decode) and deterministic text for a
 * seed. It is labelled as simulated everywhere it shows: its model ids and its text say so. Asked
 * to judge (the {@link dev.iccache.route.LlmJudge} prompt), it answers as {@link SimulatedJudge}.
 */
public final class SimulatedBackend implements ModelBackend {
    private final BackendConfig config;
    private final SimProfile profile;
    private final SimClock clock;
    private final InstantSource wallClock;
    private final long seed;
    private final double timeScale;
    private final Semaphore batch;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger();

    /**
     * @param timeScale time runs this many times faster than the profile says (1 = calibrated speed)
     */
    public SimulatedBackend(BackendConfig config, SimProfile profile, SimClock clock, InstantSource wallClock,
            long seed, double timeScale) {
        if (!(timeScale > 0)) {
            throw new IllegalArgumentException("timeScale must be positive");
        }
        this.config = config;
        this.profile = profile;
        this.clock = clock;
        this.wallClock = wallClock;
        this.seed = seed;
        this.timeScale = timeScale;
        this.batch = new Semaphore(profile.maxBatch(), true);
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    public SimProfile profile() {
        return profile;
    }

    /** Sequences being decoded now (vLLM: num_requests_running). */
    public int running() {
        return running.get();
    }

    /** Requests queued behind a full batch (vLLM: num_requests_waiting). */
    public int waiting() {
        return waiting.get();
    }

    @Override
    public ChatResponse complete(ChatRequest request) {
        try (Generation g = start(request)) {
            StringBuilder text = new StringBuilder();
            Optional<String> token;
            while ((token = g.nextToken()).isPresent()) {
                text.append(token.get());
            }
            ObjectNode body = envelope(g.id, "chat.completion");
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text.toString());
            choice.put("finish_reason", g.finishReason());
            g.stopped.ifPresent(stop -> choice.put("stop_reason", stop));
            body.set("usage", g.usage().toJson());
            return new ChatResponse(body);
        }
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        Generation g = start(request);
        return new ChatStream() {
            private boolean roleSent;
            private boolean finished;
            private boolean usageSent;

            @Override
            public Optional<ChatChunk> next() {
                if (!roleSent) {
                    roleSent = true;
                    g.prefill();
                    ObjectNode delta = Json.object();
                    delta.put("role", "assistant");
                    delta.put("content", "");
                    return Optional.of(chunk(g.id, delta, null));
                }
                if (!finished) {
                    Optional<String> token = g.nextToken();
                    if (token.isPresent()) {
                        ObjectNode delta = Json.object();
                        delta.put("content", token.get());
                        return Optional.of(chunk(g.id, delta, null));
                    }
                    finished = true;
                    g.close();
                    ChatChunk last = chunk(g.id, Json.object(), g.finishReason());
                    g.stopped.ifPresent(stop -> ((ObjectNode) last.body().get("choices").get(0)).put("stop_reason", stop));
                    return Optional.of(last);
                }
                if (!usageSent) {
                    usageSent = true;
                    ObjectNode body = envelope(g.id, "chat.completion.chunk");
                    body.putArray("choices");
                    body.set("usage", g.usage().toJson());
                    return Optional.of(new ChatChunk(body));
                }
                return Optional.empty();
            }

            @Override
            public void close() {
                g.close();
            }
        };
    }

    private ChatChunk chunk(String id, ObjectNode delta, String finishReason) {
        ObjectNode body = envelope(id, "chat.completion.chunk");
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return new ChatChunk(body);
    }

    private ObjectNode envelope(String id, String object) {
        ObjectNode body = Json.object();
        body.put("id", id);
        body.put("object", object);
        body.put("created", wallClock.instant().getEpochSecond());
        body.put("model", config.model());
        return body;
    }

    /** Admission, then a plan of tokens that is played out on the clock. */
    private Generation start(ChatRequest request) {
        int promptTokens = estimatePromptTokens(request);
        int maxTokens = request.maxTokens().orElse(Integer.MAX_VALUE);
        if (promptTokens + (maxTokens == Integer.MAX_VALUE ? 1 : maxTokens) > profile.contextWindow()) {
            throw new IccacheException(ErrorKind.INVALID_REQUEST, "This model's maximum context length is "
                    + profile.contextWindow() + " tokens; the request has " + promptTokens
                    + " prompt tokens and asks for " + (maxTokens == Integer.MAX_VALUE ? 1 : maxTokens)
                    + " completion tokens.", "messages", "context_length_exceeded", null);
        }
        SplittableRandom random = new SplittableRandom(mix(request));
        List<String> tokens;
        String finish;
        if (SimulatedJudge.isJudgeCall(request)) {
            tokens = SimulatedJudge.verdict(request, random);
            finish = "stop";
        } else {
            int natural = TextGenerator.naturalLength(random, profile.medianOutputTokens());
            int count = Math.min(natural, Math.min(maxTokens, profile.contextWindow() - promptTokens));
            finish = count < natural ? "length" : "stop";
            tokens = TextGenerator.tokens(random, "[simulated " + profile.name() + "]", count);
        }
        waiting.incrementAndGet();
        try {
            batch.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "simulated backend interrupted while queued");
        } finally {
            waiting.decrementAndGet();
        }
        running.incrementAndGet();
        String id = "chatcmpl-sim-" + HexFormat.of().toHexDigits(seed ^ ids.incrementAndGet());
        return new Generation(id, promptTokens, tokens, finish, request.stop());
    }

    private long mix(ChatRequest request) {
        long base = request.seed().orElse(seed);
        long h = request.messages().toString().hashCode() * 0x9E3779B97F4A7C15L;
        return base ^ h ^ profile.name().hashCode();
    }

    /** About four characters a token plus a few tokens of framing per message, as OpenAI's tokenisers roughly do. */
    public static int estimatePromptTokens(ChatRequest request) {
        int chars = 0;
        for (JsonNode m : request.messages()) {
            chars += ChatRequest.contentText(m.get("content")).length();
        }
        return Math.max(1, (chars + 3) / 4 + 4 * request.messages().size());
    }

    private void sleep(long nanos) {
        try {
            clock.sleepNanos((long) (nanos / timeScale));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "simulated generation interrupted");
        }
    }

    /** One admitted request: holds a batch slot until closed. */
    private final class Generation implements AutoCloseable {
        final String id;
        final int promptTokens;
        final Deque<String> pending;
        final List<String> stops;
        final StringBuilder emitted = new StringBuilder();
        final AtomicBoolean released = new AtomicBoolean();
        String finish;
        /** The stop sequence that ended generation, reported as vLLM does in the choice's {@code stop_reason}. */
        Optional<String> stopped = Optional.empty();
        int produced;
        boolean prefilled;

        Generation(String id, int promptTokens, List<String> tokens, String finish, List<String> stops) {
            this.id = id;
            this.promptTokens = promptTokens;
            this.pending = new ArrayDeque<>(tokens);
            this.finish = finish;
            this.stops = stops;
        }

        void prefill() {
            if (!prefilled) {
                prefilled = true;
                sleep(profile.timeToFirstTokenNanos(promptTokens));
            }
        }

        Optional<String> nextToken() {
            prefill();
            String token = pending.poll();
            if (token == null) {
                return Optional.empty();
            }
            if (produced > 0) {
                sleep(profile.interTokenNanos(running.get()));
            }
            produced++;
            for (String stop : stops) {
                String text = emitted + token;
                int at = text.indexOf(stop);
                if (at >= 0) {
                    pending.clear();
                    finish = "stop";
                    stopped = Optional.of(stop);
                    String head = text.substring(emitted.length(), Math.max(emitted.length(), at));
                    emitted.append(head);
                    return head.isEmpty() ? Optional.empty() : Optional.of(head);
                }
            }
            emitted.append(token);
            return Optional.of(token);
        }

        String finishReason() {
            return finish;
        }

        Usage usage() {
            return new Usage(promptTokens, produced);
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                running.decrementAndGet();
                batch.release();
            }
        }
    }
}
