package dev.iccache.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Usage;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Serves a chat request for {@code n} choices. A backend configured with {@code native-n} gets the
 * request whole and must return {@code n} choices; any other (simulated ones included) gets
 * {@code n} concurrent single-choice calls, choice {@code i} with the request's seed plus {@code i}
 * when it has one, merged into one answer: choices indexed 0 to n-1, usage summed over the calls as
 * each reports it (so the prompt counts once per call). A stream of several choices relays every
 * call's chunks as they come, each carrying its choice's index, and ends with one usage chunk that
 * sums the calls'. A call that fails fails the whole answer and cancels the other calls.
 */
public final class ChoiceFanOut {
    /** Chunks a fanned-out stream holds before its calls wait for the client. */
    private static final int QUEUE_CHUNKS = 64;

    private final int maxN;
    private final Executor executor;

    /**
     * @param maxN     choices one request may ask for at most
     * @param executor runs the calls of a fan-out, one task per call; must run {@code maxN} tasks at once
     *                 (a virtual thread per task)
     */
    public ChoiceFanOut(int maxN, Executor executor) {
        if (maxN < 1) {
            throw new IllegalArgumentException("maxN must be positive, got " + maxN);
        }
        this.maxN = maxN;
        this.executor = executor;
    }

    /**
     * The number of choices {@code request} asks for.
     *
     * @throws IccacheException 400 when more than {@code maxN}
     */
    public int choices(ChatRequest request) {
        int n = request.n();
        if (n > maxN) {
            throw IccacheException.invalid("n", "'n' must be at most " + maxN + " (max-n); got " + n + ".");
        }
        return n;
    }

    /** {@code n} choices of {@code backend} for the single-choice {@code request}, as one completion. */
    public ChatResponse complete(ModelBackend backend, ChatRequest request, int n) {
        if (n == 1) {
            return backend.complete(request);
        }
        if (backend.config().nativeN()) {
            ChatResponse response = backend.complete(withN(request, n));
            int got = response.body().path("choices").size();
            if (got != n) {
                throw notNative(backend, got + " choices", n);
            }
            return response;
        }
        CompletionService<ChatResponse> calls = new ExecutorCompletionService<>(executor);
        List<Future<ChatResponse>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ChatRequest call = choice(request, i);
            futures.add(calls.submit(() -> backend.complete(call)));
        }
        try {
            for (int i = 0; i < n; i++) {
                await(calls.take());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            futures.forEach(f -> f.cancel(true));
            throw interrupted();
        } catch (RuntimeException e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
        ObjectNode body = await(futures.get(0)).body().deepCopy();
        ArrayNode choices = body.putArray("choices");
        Optional<Usage> total = Optional.empty();
        for (int i = 0; i < n; i++) {
            ChatResponse r = await(futures.get(i));
            JsonNode c = r.body().path("choices").path(0);
            if (!c.isObject()) {
                throw IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend.config().name()
                        + "' returned a response without a choice.");
            }
            ObjectNode copy = c.deepCopy();
            copy.put("index", i);
            choices.add(copy);
            total = sum(total, r.usage());
        }
        total.ifPresentOrElse(u -> body.set("usage", u.toJson()), () -> body.remove("usage"));
        return new ChatResponse(body);
    }

    /**
     * {@code n} choices of {@code backend} for the single-choice {@code request}, streamed. Failures
     * of the calls of a fan-out come from {@link ChatStream#next()}, in the order they happen.
     */
    public ChatStream stream(ModelBackend backend, ChatRequest request, int n) {
        if (n == 1) {
            return backend.stream(request);
        }
        if (backend.config().nativeN()) {
            return new NativeStream(backend, backend.stream(withN(request, n)), n);
        }
        return new FannedOutStream(backend, request, n);
    }

    /** Call {@code i} of a fan-out: the request itself, its seed (if any) plus {@code i}. */
    private static ChatRequest choice(ChatRequest request, int i) {
        if (i == 0 || request.seed().isEmpty()) {
            return request;
        }
        ObjectNode body = request.bodyCopy();
        body.put("seed", request.seed().getAsLong() + i);
        return ChatRequest.of(body);
    }

    private static ChatRequest withN(ChatRequest request, int n) {
        ObjectNode body = request.bodyCopy();
        body.put("n", n);
        return ChatRequest.of(body);
    }

    private static Optional<Usage> sum(Optional<Usage> total, Optional<Usage> more) {
        if (more.isEmpty()) {
            return total;
        }
        Usage a = total.orElse(new Usage(0, 0));
        return Optional.of(new Usage(a.promptTokens() + more.get().promptTokens(),
                a.completionTokens() + more.get().completionTokens()));
    }

    private static IccacheException notNative(ModelBackend backend, String got, int n) {
        return IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend.config().name()
                + "' returned " + got + " for n=" + n + ": it does not generate n choices itself; remove native-n "
                + "from its configuration.");
    }

    private static IccacheException interrupted() {
        return IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Interrupted while waiting for the choices.");
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted();
        }
    }

    /** A backend's own stream of {@code n} choices, checked at its end to have carried every index. */
    private static final class NativeStream implements ChatStream {
        private final ModelBackend backend;
        private final ChatStream upstream;
        private final int n;
        private final BitSet seen = new BitSet();

        NativeStream(ModelBackend backend, ChatStream upstream, int n) {
            this.backend = backend;
            this.upstream = upstream;
            this.n = n;
        }

        @Override
        public Optional<ChatChunk> next() {
            Optional<ChatChunk> chunk = upstream.next();
            if (chunk.isEmpty() && seen.cardinality() < n) {
                throw notNative(backend, seen.cardinality() + " streamed choices", n);
            }
            chunk.ifPresent(c -> c.body().path("choices").forEach(choice -> {
                int index = choice.path("index").asInt(-1);
                if (index >= 0 && index < n) {
                    seen.set(index);
                }
            }));
            return chunk;
        }

        @Override
        public void close() {
            upstream.close();
        }
    }

    /** One event of a fan-out's call: a chunk, the call's end (neither) or its failure. */
    private record Event(int index, ChatChunk chunk, RuntimeException failure) {
    }

    /**
     * The {@code n} calls of a fanned-out stream, each read by its own task into one bounded queue
     * that the client's thread drains; each call is closed when it ends, so it frees its backend slot
     * at once, and all are closed with this stream.
     */
    private final class FannedOutStream implements ChatStream {
        private final BlockingQueue<Event> events = new LinkedBlockingQueue<>(QUEUE_CHUNKS);
        private final AtomicReferenceArray<ChatStream> calls;
        private final List<Future<?>> readers = new ArrayList<>();
        private final int n;
        private volatile boolean closed;
        private int ended;
        private Optional<Usage> usage = Optional.empty();
        private ObjectNode usageEnvelope;

        FannedOutStream(ModelBackend backend, ChatRequest request, int n) {
            this.n = n;
            this.calls = new AtomicReferenceArray<>(n);
            for (int i = 0; i < n; i++) {
                int index = i;
                ChatRequest call = choice(request, i);
                FutureTask<Void> reader = new FutureTask<>(() -> read(backend, call, index), null);
                readers.add(reader);
                executor.execute(reader);
            }
        }

        private void read(ModelBackend backend, ChatRequest call, int index) {
            ChatStream stream = null;
            try {
                try {
                    stream = backend.stream(call);
                    calls.set(index, stream);
                    Optional<ChatChunk> chunk;
                    while (!closed && (chunk = stream.next()).isPresent()) {
                        events.put(new Event(index, chunk.get(), null));
                    }
                    events.put(new Event(index, null, null));
                } catch (RuntimeException e) {
                    if (!closed) {
                        events.put(new Event(index, null, e));
                    }
                }
            } catch (InterruptedException e) {
                // this stream was closed: nobody reads the queue any more
            } finally {
                if (stream != null) {
                    stream.close();
                }
            }
        }

        @Override
        public Optional<ChatChunk> next() {
            while (ended < n) {
                Event e = take();
                if (e.failure() != null) {
                    throw e.failure();
                }
                if (e.chunk() == null) {
                    ended++;
                    continue;
                }
                ObjectNode body = e.chunk().body();
                if (e.chunk().usage().isPresent()) {
                    usage = sum(usage, e.chunk().usage());
                    usageEnvelope = body.deepCopy();
                }
                if (e.chunk().hasChoices()) {
                    body.remove("usage");
                    body.get("choices").forEach(c -> ((ObjectNode) c).put("index", e.index()));
                    return Optional.of(e.chunk());
                }
            }
            if (usageEnvelope != null) {
                ObjectNode last = usageEnvelope;
                usageEnvelope = null;
                last.putArray("choices");
                last.set("usage", usage.orElseThrow().toJson());
                return Optional.of(new ChatChunk(last));
            }
            return Optional.empty();
        }

        private Event take() {
            try {
                return events.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted();
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            readers.forEach(r -> r.cancel(true));
            for (int i = 0; i < n; i++) {
                ChatStream call = calls.get(i);
                if (call != null) {
                    call.close();
                }
            }
        }
    }
}
