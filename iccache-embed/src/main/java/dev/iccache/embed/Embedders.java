package dev.iccache.embed;

import dev.iccache.embed.onnx.OnnxEmbedder;
import dev.iccache.embed.remote.RemoteEmbedder;
import dev.iccache.time.Ticker;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.function.UnaryOperator;

/**
 * Builds the {@link Embedder} that {@link EmbedderSettings} describe: the in-process ONNX model or
 * a remote server, behind a {@link MicroBatchingEmbedder} and then, unless {@code cache-size} is 0,
 * a {@link CachingEmbedder}. The ONNX model loads on the first text to embed, not here.
 */
public final class Embedders {
    /** ONNX Runtime threads for one batch at most, so that big machines keep cores for requests. */
    private static final int MAX_ONNX_THREADS = 4;

    private Embedders() {
    }

    /** The configured embedder; an API key is read from the process environment. */
    public static Embedder create(EmbedderSettings settings) {
        return create(settings, System::getenv);
    }

    /**
     * The configured embedder.
     *
     * @param env looks up environment variables (the remote API key)
     */
    public static Embedder create(EmbedderSettings settings, UnaryOperator<String> env) {
        Embedder model = switch (settings.kind()) {
            case ONNX -> new LazyEmbedder(OnnxEmbedder.DIMENSION, () -> new OnnxEmbedder(onnxThreads(settings)));
            case REMOTE -> new RemoteEmbedder(settings, env);
        };
        ThreadFactory worker = Thread.ofPlatform().name("iccache-embedder").daemon().factory();
        Embedder batched = new MicroBatchingEmbedder(model, settings.maxBatch(),
                Duration.ofMillis(settings.maxWaitMs()), worker, Ticker.SYSTEM);
        return settings.cacheSize() == 0 ? batched : new CachingEmbedder(batched, settings.cacheSize());
    }

    /** {@code embedder.threads}, or when 0 as many as the cores, at most {@value #MAX_ONNX_THREADS}. */
    private static int onnxThreads(EmbedderSettings settings) {
        return settings.threads() > 0 ? settings.threads()
                : Math.min(MAX_ONNX_THREADS, Runtime.getRuntime().availableProcessors());
    }
}
