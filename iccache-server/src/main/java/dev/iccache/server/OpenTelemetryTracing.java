package dev.iccache.server;

import dev.iccache.api.IccacheException;
import dev.iccache.config.TracingSettings;
import dev.iccache.trace.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * {@link Tracing} on the OpenTelemetry SDK: spans batched and exported over OTLP/HTTP (protobuf) to
 * {@code tracing.endpoint}, sampled at {@code tracing.sample-ratio} unless the caller's W3C
 * {@code traceparent} decided; the spans left are flushed when it closes.
 */
final class OpenTelemetryTracing implements Tracing, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OpenTelemetryTracing.class.getName());
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Function<String, Optional<String>>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, Optional<String>> carrier) {
            return W3C.fields();
        }

        @Override
        public String get(Function<String, Optional<String>> carrier, String key) {
            return carrier == null ? null : carrier.apply(key).orElse(null);
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private OpenTelemetryTracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider.get("dev.iccache");
    }

    /** The tracing {@code settings} describe: {@link Tracing#NOOP} when off. */
    static Tracing open(TracingSettings settings) {
        if (!settings.enabled()) {
            return Tracing.NOOP;
        }
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(settings.endpoint()).build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), settings.serviceName()))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        LOG.log(System.Logger.Level.INFO, "tracing on: spans to {0} (OTLP/HTTP), sample ratio {1}",
                settings.endpoint(), settings.sampleRatio());
        return new OpenTelemetryTracing(provider);
    }

    /** Closes {@code tracing} if it exports (flushing the spans not yet sent). */
    static void close(Tracing tracing) {
        if (tracing instanceof OpenTelemetryTracing otel) {
            otel.close();
        }
    }

    @Override
    public Tracing.Span start(String name, Kind kind) {
        return current(tracer.spanBuilder(name).setSpanKind(kind(kind)).startSpan());
    }

    @Override
    public Tracing.Span startServer(String name, Function<String, Optional<String>> headers) {
        Context parent = W3C.extract(Context.root(), headers, HEADERS);
        return current(tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan());
    }

    @Override
    public void inject(BiConsumer<String, String> header) {
        W3C.inject(Context.current(), header, BiConsumer::accept);
    }

    @Override
    public <T> Callable<T> wrap(Callable<T> task) {
        return Context.current().wrap(task);
    }

    @Override
    public Runnable wrap(Runnable task) {
        return Context.current().wrap(task);
    }

    private static SpanKind kind(Kind kind) {
        return switch (kind) {
            case INTERNAL -> SpanKind.INTERNAL;
            case CLIENT -> SpanKind.CLIENT;
            case SERVER -> SpanKind.SERVER;
        };
    }

    private static Tracing.Span current(io.opentelemetry.api.trace.Span span) {
        return new CurrentSpan(span, span.makeCurrent());
    }

    /** A started span and the scope that made it current on its thread. */
    private record CurrentSpan(io.opentelemetry.api.trace.Span span, Scope scope) implements Tracing.Span {
        @Override
        public boolean recording() {
            return span.isRecording();
        }

        @Override
        public Tracing.Span set(String key, String value) {
            span.setAttribute(key, value);
            return this;
        }

        @Override
        public Tracing.Span set(String key, long value) {
            span.setAttribute(key, value);
            return this;
        }

        @Override
        public Tracing.Span set(String key, double value) {
            span.setAttribute(key, value);
            return this;
        }

        @Override
        public void failed(Throwable error) {
            String type = error instanceof IccacheException e ? e.kind().name().toLowerCase(Locale.ROOT)
                    : error.getClass().getName();
            span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
            span.setAttribute("error.type", type);
            span.recordException(error);
        }

        @Override
        public void close() {
            scope.close();
            span.end();
        }
    }

    @Override
    public void close() {
        provider.forceFlush().join(10, TimeUnit.SECONDS);
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }
}
