package dev.iccache.trace;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Spans around the steps of the request path (embed, search, select, route, upstream calls, shadow
 * runs); {@link #NOOP} when tracing is off. A span started on a thread is the parent of the spans
 * started on that thread until it is closed, and of those of the tasks {@link #wrap wrapped} meanwhile.
 */
public interface Tracing {
    /** Records nothing. */
    Tracing NOOP = new Tracing() {
        @Override
        public Span start(String name, Kind kind) {
            return Span.NOOP;
        }

        @Override
        public Span startServer(String name, Function<String, Optional<String>> headers) {
            return Span.NOOP;
        }

        @Override
        public void inject(BiConsumer<String, String> header) {
        }

        @Override
        public <T> Callable<T> wrap(Callable<T> task) {
            return task;
        }

        @Override
        public Runnable wrap(Runnable task) {
            return task;
        }
    };

    /** What a span stands for, as OpenTelemetry's span kinds. */
    enum Kind {
        INTERNAL, CLIENT, SERVER
    }

    /** Starts a span, the child of the current one, current on this thread until it is closed. */
    Span start(String name, Kind kind);

    /** An internal span: {@link #start(String, Kind)} with {@link Kind#INTERNAL}. */
    default Span start(String name) {
        return start(name, Kind.INTERNAL);
    }

    /**
     * Starts a server span continuing the trace of an incoming request, whose W3C trace context
     * ({@code traceparent}, {@code tracestate}) {@code headers} look up by name; a new trace without one.
     */
    Span startServer(String name, Function<String, Optional<String>> headers);

    /** Writes the current span's W3C trace context as headers ({@code traceparent}) of an outgoing call. */
    void inject(BiConsumer<String, String> header);

    /** {@code task}, run with the span current now as the current span (for work handed to another thread). */
    <T> Callable<T> wrap(Callable<T> task);

    /** {@code task}, run with the span current now as the current span. */
    Runnable wrap(Runnable task);

    /** One span; closing it ends it and makes its parent current again. */
    interface Span extends AutoCloseable {
        /** Records nothing. */
        Span NOOP = new Span() {
            @Override
            public boolean recording() {
                return false;
            }

            @Override
            public Span set(String key, String value) {
                return this;
            }

            @Override
            public Span set(String key, long value) {
                return this;
            }

            @Override
            public Span set(String key, double value) {
                return this;
            }

            @Override
            public void failed(Throwable error) {
            }

            @Override
            public void close() {
            }
        };

        /** Whether attributes set on the span are kept (false when off or not sampled): skip costly ones if not. */
        boolean recording();

        Span set(String key, String value);

        Span set(String key, long value);

        Span set(String key, double value);

        /** Marks the span failed by {@code error} (status error, {@code error.type}, the exception as an event). */
        void failed(Throwable error);

        @Override
        void close();
    }
}
