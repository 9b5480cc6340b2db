package dev.iccache.backend.http;

import dev.iccache.api.EventStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The server-sent events of one backend response, one event at a time, as the backend sent them:
 * read from a {@link BoundedEventStream} under the call's {@link CallGuard}, so silence, the whole
 * call's time and the size limits are enforced while reading. Holds what the call holds (the
 * endpoint) until closed.
 */
final class SseReader implements EventStream {
    private final BoundedEventStream in;
    private final BufferedReader reader;
    private final CallGuard guard;
    private final Runnable release;
    private final String backend;
    private boolean done;
    private boolean closed;

    /** @param release frees what the call holds (its endpoint), once, when the reader is closed */
    SseReader(BoundedEventStream in, CallGuard guard, Runnable release, String backend) {
        this.in = in;
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.guard = guard;
        this.release = release;
        this.backend = backend;
    }

    @Override
    public Optional<String> next() {
        if (done) {
            return Optional.empty();
        }
        try {
            StringBuilder event = new StringBuilder();
            String line;
            while ((line = reader.readLine()) != null) {
                guard.touch();
                if (line.isEmpty()) {
                    if (!event.isEmpty()) {
                        return Optional.of(event.toString());
                    }
                    continue;
                }
                if (!event.isEmpty()) {
                    event.append('\n');
                }
                event.append(line);
            }
            guard.checkTripped();
            done = true;
            return event.isEmpty() ? Optional.empty() : Optional.of(event.toString());
        } catch (BoundedEventStream.TooLarge e) {
            throw e.isEvent()
                    ? UpstreamErrors.tooLarge(backend, "a stream event", e.limit(), "max-response-bytes")
                    : UpstreamErrors.tooLarge(backend, "a stream", e.limit(), "max-stream-bytes");
        } catch (IOException e) {
            throw guard.failure(e);
        }
    }

    /**
     * The data of an event: the values of its {@code data:} lines joined by line feeds; empty when it
     * has none (comments, other fields).
     */
    static String data(String event) {
        StringBuilder data = new StringBuilder();
        boolean first = true;
        for (String line : event.split("\n", -1)) {
            if (line.startsWith("data:")) {
                if (!first) {
                    data.append('\n');
                }
                first = false;
                data.append(line, line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5, line.length());
            }
        }
        return data.toString();
    }

    /** Stops reading, releases the endpoint and closes the connection; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        done = true;
        guard.close();
        release.run();
        try {
            in.close();
        } catch (IOException ignored) {
            // the connection is being abandoned; nothing to recover
        }
    }
}
