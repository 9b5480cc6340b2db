package dev.iccache.bench;

import dev.iccache.bank.Vectors;
import dev.iccache.stats.KMeans;
import dev.iccache.workload.DataDirectory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH micro-benchmark of finding the clusters of a selection's candidates that selection has not seen before
 * (docs/benchmarks.md, "The clusters of unseen candidates, together"): {@code candidates} real question embeddings
 * against {@code centroids} others (√N of a bank of N), one lookup at a time ({@link KMeans#nearest(float[][],
 * float[])}, as before) or all together ({@link KMeans#nearest(float[][], double[], float[][])}). The vectors are the
 * real nq-open and banking77 questions embedded by the bundled model (cached in
 * {@code iccache-bench/target/decision-bench/real-embeddings.bin}, made on first use). Run from the repository root
 * after {@code ./mvnw -q -B -pl iccache-bench -am package -DskipTests}:
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp iccache-bench/target/iccache-bench-0.1.0-SNAPSHOT.jar \
 *       org.openjdk.jmh.Main ClusterLookupBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class ClusterLookupBenchmark {
    /** Clusters: √N of a bank of 100k and of 1M examples. */
    @Param({"316", "1000"})
    public int centroids;

    /** Candidates of one selection (stage 1's k). */
    @Param("32")
    public int candidates;

    private float[][] centres;
    private double[] norms;
    private float[][] unseen;

    @Setup
    public void load() throws Exception {
        Path data = DataDirectory.locate(Path.of("")).root();
        StoreSearchBenchmark.RealData real = StoreSearchBenchmark.RealData.load(data,
                StoreSearchBenchmark.repoRoot().resolve(DecisionPathBenchmark.WORK).resolve("real-embeddings.bin"), 42,
                1000);
        centres = new float[centroids][];
        for (int c = 0; c < centroids; c++) {
            centres[c] = real.inserted()[c * 17 % real.inserted().length];
        }
        norms = Vectors.norms(centres);
        unseen = new float[candidates][];
        for (int j = 0; j < candidates; j++) {
            unseen[j] = real.queries()[j];
        }
    }

    @Benchmark
    public int oneAtATime() {
        int sum = 0;
        for (float[] v : unseen) {
            sum += KMeans.nearest(centres, v);
        }
        return sum;
    }

    @Benchmark
    public int together() {
        int sum = 0;
        for (int c : KMeans.nearest(centres, norms, unseen)) {
            sum += c;
        }
        return sum;
    }
}
