package dev.iccache.bench;

import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.embed.onnx.OnnxEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures the in-process embedder on this machine: latency of one short query, throughput one
 * text at a time, in batches of 8 and 32, and through the micro-batcher with 16 concurrent callers.
 * Results go in docs/embedding.md. Run from the repository root:
 *
 * <pre>
 * ./mvnw -q -o test-compile -pl iccache-embed
 * ./mvnw -q -o dependency:build-classpath -pl iccache-embed -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/cp.txt
 * java --enable-native-access=ALL-UNNAMED \
 *   -cp iccache-embed/target/test-classes:iccache-embed/target/classes:$(cat /tmp/cp.txt) \
 *   dev.iccache.bench.EmbedThroughput [onnx-threads, default 2]
 * </pre>
 */
public final class EmbedThroughput {
    private static final int TEXTS = 1024;
    private static final int ROUNDS = 3;

    private EmbedThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        List<String> texts = queries(TEXTS);
        System.out.printf("%d short queries (%d-%d chars), onnx threads %d, %d cores; best of %d rounds%n",
                TEXTS, texts.stream().mapToInt(String::length).min().orElse(0),
                texts.stream().mapToInt(String::length).max().orElse(0), threads,
                Runtime.getRuntime().availableProcessors(), ROUNDS);
        try (OnnxEmbedder onnx = new OnnxEmbedder(threads)) {
            for (int batch : new int[] {1, 8, 32}) {
                run(onnx, texts, batch);
            }
            double best = Double.MAX_VALUE;
            for (int r = 0; r < ROUNDS; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 200; i++) {
                    onnx.embed("How do I reset my password?");
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e6 / 200);
            }
            System.out.printf("one short query, alone: %.2f ms%n", best);
            for (int batch : new int[] {1, 8, 32}) {
                System.out.printf("batch %2d: %4.0f texts/s%n", batch, TEXTS / seconds(onnx, texts, batch));
            }
        }
        EmbedderSettings noCache = new EmbedderSettings(EmbedderSettings.Kind.ONNX, null, null, null, 10_000, 0, 32, 2, 0);
        try (Embedder batched = Embedders.create(noCache); ExecutorService callers = Executors.newFixedThreadPool(16)) {
            concurrent(batched, callers, texts);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < ROUNDS; r++) {
                best = Math.min(best, concurrent(batched, callers, texts));
            }
            System.out.printf("micro-batched (max-batch 32, max-wait 2 ms), 16 callers one text each: %4.0f texts/s%n",
                    TEXTS / best);
        }
    }

    private static double seconds(Embedder e, List<String> texts, int batch) {
        double best = Double.MAX_VALUE;
        for (int r = 0; r < ROUNDS; r++) {
            best = Math.min(best, run(e, texts, batch));
        }
        return best;
    }

    private static double run(Embedder e, List<String> texts, int batch) {
        long t0 = System.nanoTime();
        for (int i = 0; i < texts.size(); i += batch) {
            e.embedAll(texts.subList(i, Math.min(texts.size(), i + batch)));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double concurrent(Embedder e, ExecutorService callers, List<String> texts) throws Exception {
        long t0 = System.nanoTime();
        List<Future<float[]>> futures = new ArrayList<>(texts.size());
        for (String t : texts) {
            futures.add(callers.submit(() -> e.embed(t)));
        }
        for (Future<float[]> f : futures) {
            f.get();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Distinct short chat-style questions, 8 to 20 words. */
    static List<String> queries(int n) {
        String[] asks = {"How do I reset", "Can you explain", "Write a short summary of", "What is wrong with",
            "Give me three tips about", "Why does nobody understand"};
        String[] topics = {"my password", "the invoice from last month", "a refund for a broken phone",
            "the API rate limit", "Kubernetes pods that keep restarting", "a SQL join on two tables",
            "the French revolution", "photosynthesis in desert plants", "caching in large language models",
            "my order status"};
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(asks[i % asks.length] + " " + topics[(i / asks.length) % topics.length] + " (ticket " + i
                    + ") when I am in a hurry?");
        }
        return out;
    }
}
