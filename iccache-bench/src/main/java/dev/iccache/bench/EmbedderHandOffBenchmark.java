package dev.iccache.bench;

import dev.iccache.embed.Embedder;
import dev.iccache.embed.MicroBatchingEmbedder;
import dev.iccache.embed.onnx.OnnxEmbedder;
import dev.iccache.time.Ticker;
import dev.iccache.workload.DataDirectory;
import java.nio.file.Path;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH micro-benchmark of what the micro-batcher's hand-off costs a lone caller (docs/embedding.md,
 * "Micro-batching"): one thread embeds distinct real question texts (nq-open, then banking77; no
 * cache) with the bundled ONNX model called directly ({@code direct}) or behind
 * {@link MicroBatchingEmbedder} with {@code max-wait-ms} 0, as the gateway runs it ({@code batched}),
 * with the gateway's default ONNX threads, min(cores, 4). Sample time gives the percentiles. Run from
 * the repository root after {@code ./mvnw -q -B -pl iccache-bench -am package -DskipTests}:
 *
 * <pre>
 *   java -cp iccache-bench/target/iccache-bench-0.1.0-SNAPSHOT.jar org.openjdk.jmh.Main EmbedderHandOffBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 4, time = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EmbedderHandOffBenchmark {
    @Param({"direct", "batched"})
    public String path;

    private List<String> texts;
    private Embedder embedder;
    private int next;

    @Setup(Level.Trial)
    public void open() {
        texts = RealTexts.load(DataDirectory.locate(Path.of("")));
        Embedder model = new OnnxEmbedder(Math.min(Runtime.getRuntime().availableProcessors(), 4));
        embedder = path.equals("direct") ? model : new MicroBatchingEmbedder(model, 32, Duration.ZERO, r -> {
            Thread t = new Thread(r, "iccache-embedder");
            t.setDaemon(true);
            return t;
        }, Ticker.SYSTEM);
    }

    @Benchmark
    public float[] embedOneText() {
        String text = texts.get(next);
        next = (next + 1) % texts.size();
        return embedder.embed(text);
    }

    @TearDown(Level.Trial)
    public void close() {
        embedder.close();
    }
}
