package dev.iccache.bench;

import dev.iccache.embed.CachingEmbedder;
import dev.iccache.embed.Embedder;
import dev.iccache.workload.DataDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH micro-benchmark of the embedding cache's hit path: {@link CachingEmbedder#embed} of texts all
 * already cached (the first {@code texts} question texts of the shared data, nq-open then banking77),
 * so the delegate is never called. Run from the repository root after
 * {@code ./mvnw -q -B -pl iccache-bench -am package -DskipTests}:
 *
 * <pre>
 *   java -cp iccache-bench/target/iccache-bench-0.1.0-SNAPSHOT.jar org.openjdk.jmh.Main EmbeddingCacheBenchmark
 * </pre>
 *
 * {@code scripts/bench-embedding-cache.sh} runs it against the previous implementation and this one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EmbeddingCacheBenchmark {
    /** Distinct cached texts the calls cycle through. */
    @Param("1000")
    public int texts;

    private List<String> cached;
    private CachingEmbedder cache;

    /** Per-thread position in the texts. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup(Level.Trial)
    public void fill() {
        List<String> all = RealTexts.load(DataDirectory.locate(Path.of("")));
        cached = new ArrayList<>(all.subList(0, texts));
        cache = new CachingEmbedder(new ConstantEmbedder(), texts);
        cache.embedAll(cached);
    }

    @Benchmark
    public float[] embedCachedText(Cursor cursor) {
        String text = cached.get(cursor.next);
        cursor.next = (cursor.next + 1) % cached.size();
        return cache.embed(text);
    }

    /** A 384-dimension delegate returning one unit vector; the hit path never reaches it. */
    private static final class ConstantEmbedder implements Embedder {
        private static final int DIMENSION = 384;

        @Override
        public int dimension() {
            return DIMENSION;
        }

        @Override
        public List<float[]> embedAll(List<String> batch) {
            List<float[]> out = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                float[] v = new float[DIMENSION];
                v[0] = 1;
                out.add(v);
            }
            return out;
        }
    }
}
