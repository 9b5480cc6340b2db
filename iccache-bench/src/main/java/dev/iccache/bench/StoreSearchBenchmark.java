package dev.iccache.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.store.lucene.LuceneExampleStore;
import dev.iccache.workload.DataDirectory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.apache.lucene.codecs.CompoundDirectory;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.VectorUtil;

/**
 * Search latency, recall@k and size of the example store (not a test, not JMH).
 *
 * <p>For each data set and size it builds a {@link LuceneExampleStore} through the public
 * {@link ExampleStore#putAll} in batches (one commit each), then measures, after a warm-up, the
 * latency of {@code search(vector, tenants, k, now)} per query and its recall@k against an exact
 * top-k computed here by brute force (dot products over the vectors kept in a {@code float[][]}).
 * Examples belong to two tenants: {@code big} (90 %) and {@code small} (every 10th example,
 * 10 %). The "full" scope is {@code {big, small}}, i.e. the whole store; the "10 %" scope is
 * {@code {small}} (filtered kNN). {@code now} is {@link Instant#now()} per query, as in the
 * gateway, so the expiry filter is a new query every time and is not served from Lucene's query
 * cache.
 *
 * <p>Besides the store's own path (filter + loading the k hits), it runs raw Lucene
 * {@link KnnFloatVectorQuery}s without filter on the store's index (float32 HNSW, Lucene's default
 * vector format) and on a <b>bench-only</b> index with the same vectors written with
 * {@link Lucene99HnswScalarQuantizedVectorsFormat} (int8 scalar quantization, Lucene defaults:
 * 7-bit values in bytes, M=16, beam 100), with and without a float32 rescoring of
 * {@code rescore × k} candidates. The production store never uses the int8 index.
 *
 * <p>Data sets: {@code clustered} (seeded Gaussian clusters around random unit centres, queries
 * are fresh points of the same clusters), {@code real} (question texts of nq-open and banking77
 * embedded with the bundled all-MiniLM-L6-v2 int8 model; 1000 held-out texts are the queries, the
 * rest is the store; its size is what the data gives, not {@code --sizes}) and
 * {@code real-centred} (N points around the real vectors as centres, real held-out queries).
 *
 * <p>Run with {@code iccache-bench/run-search.sh --help} (from the repository root).
 */
public final class StoreSearchBenchmark {
    private static final String BIG = "big";
    private static final String SMALL = "small";
    private static final Instant CREATED = Instant.parse("2025-01-01T00:00:00Z");
    private static final int DIM = 384;

    private StoreSearchBenchmark() {
    }

    record Options(List<Integer> sizes, List<String> datasets, int queries, int warmup, int k, int batch,
            Path work, Path data, Path embedCache, Path json, long seed, int clusters, double noise,
            double realNoise, boolean int8, boolean floatBench, int rescore, int exactTimed, boolean keep) {
    }

    static final String HELP = """
            StoreSearchBenchmark: search p50/p99, recall@k vs exact scan, build rate, disk and heap of the
            Lucene example store, plus a bench-only int8 (scalar-quantized HNSW) index for comparison.

            Options (defaults in brackets):
              --sizes 100000,1000000     example counts for clustered and real-centred [100000]
              --datasets LIST            clustered, real, real-centred [clustered,real,real-centred]
              --queries N                measured queries per mode [1000]
              --warmup N                 warm-up queries per mode (not measured) [1000]
              --k N                      neighbours per search [32]
              --batch N                  examples per putAll call (one commit each) [10000]
              --work DIR                 where indexes are built (deleted per case) [iccache-bench/target/search-bench]
              --data DIR                 shared data sets (nq-open/, banking77/) [../shared/data from the repo root]
              --embed-cache FILE         cache of real embeddings [WORK/real-embeddings.bin]
              --json FILE                also write results as JSON
              --seed N                   random seed [42]
              --clusters N               clustered: number of centres [1000]
              --noise X                  clustered: per-dimension Gaussian sigma around a centre [0.05]
              --real-noise X             real-centred: per-dimension sigma around a real vector [0.02]
              --no-int8                  skip the bench-only int8 index
              --no-float-bench           skip the bench-only float32 index (same writer code as the int8 one)
              --rescore N                int8: also rescore N*k candidates with float32 (0 = off) [2]
              --exact-timed N            queries timed for the single-thread exact scan [100]
              --keep                     keep the indexes after each case
            """;

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        if (o == null) {
            return;
        }
        System.out.printf(Locale.ROOT, "# StoreSearchBenchmark: sizes=%s datasets=%s queries=%d warmup=%d k=%d batch=%d"
                + " cpus=%d maxHeap=%dMB java=%s%n", o.sizes, o.datasets, o.queries, o.warmup, o.k, o.batch,
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"));
        System.out.println("# load before: " + loadAverage());
        System.out.println("# store vector format: Lucene default " + new Lucene99HnswVectorsFormat());
        System.out.println("# int8 bench format: " + new Lucene99HnswScalarQuantizedVectorsFormat());
        List<CaseResult> results = new ArrayList<>();
        RealData real = null;
        for (String ds : o.datasets) {
            if (ds.equals("real") || ds.equals("real-centred")) {
                if (real == null) {
                    real = RealData.load(o);
                }
            }
            if (ds.equals("real")) {
                results.add(runCase(o, DataSet.realOnly(real, o)));
            } else {
                for (int n : o.sizes) {
                    DataSet set = switch (ds) {
                        case "clustered" -> DataSet.clustered(n, o);
                        case "real-centred" -> DataSet.realCentred(real, n, o);
                        default -> throw new IllegalArgumentException("unknown data set " + ds + " (clustered, real,"
                                + " real-centred)");
                    };
                    results.add(runCase(o, set));
                }
            }
        }
        System.out.println();
        System.out.println("# load after: " + loadAverage());
        printSummary(results, o);
        if (o.json != null) {
            writeJson(o, results);
            System.out.println("# wrote " + o.json);
        }
    }

    // ---------------------------------------------------------------- options

    static Options parse(String[] args) {
        Path root = repoRoot();
        List<Integer> sizes = List.of(100_000);
        List<String> datasets = List.of("clustered", "real", "real-centred");
        int queries = 1000;
        int warmup = 1000;
        int k = 32;
        int batch = 10_000;
        Path work = root.resolve("iccache-bench/target/search-bench");
        Path data = root.resolveSibling("shared").resolve("data");
        Path embedCache = null;
        Path json = null;
        long seed = 42;
        int clusters = 1000;
        double noise = 0.05;
        double realNoise = 0.02;
        boolean int8 = true;
        boolean floatBench = true;
        int rescore = 2;
        int exactTimed = 100;
        boolean keep = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    System.out.print(HELP);
                    return null;
                }
                case "--sizes" -> sizes = Arrays.stream(BenchArgs.value(args, ++i, a).split(",")).map(String::trim)
                        .map(s -> s.replace("_", "")).map(Integer::parseInt).toList();
                case "--datasets" -> datasets = Arrays.stream(BenchArgs.value(args, ++i, a).split(",")).map(String::trim).toList();
                case "--queries" -> queries = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--warmup" -> warmup = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--k" -> k = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--batch" -> batch = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--work" -> work = Path.of(BenchArgs.value(args, ++i, a));
                case "--data" -> data = Path.of(BenchArgs.value(args, ++i, a));
                case "--embed-cache" -> embedCache = Path.of(BenchArgs.value(args, ++i, a));
                case "--json" -> json = Path.of(BenchArgs.value(args, ++i, a));
                case "--seed" -> seed = Long.parseLong(BenchArgs.value(args, ++i, a));
                case "--clusters" -> clusters = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--noise" -> noise = Double.parseDouble(BenchArgs.value(args, ++i, a));
                case "--real-noise" -> realNoise = Double.parseDouble(BenchArgs.value(args, ++i, a));
                case "--no-int8" -> int8 = false;
                case "--no-float-bench" -> floatBench = false;
                case "--rescore" -> rescore = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--exact-timed" -> exactTimed = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--keep" -> keep = true;
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + HELP);
            }
        }
        for (String ds : datasets) {
            if (!Set.of("clustered", "real", "real-centred").contains(ds)) {
                throw new IllegalArgumentException("unknown data set " + ds + " (clustered, real, real-centred)");
            }
        }
        if (k < 1 || queries < 1 || batch < 1) {
            throw new IllegalArgumentException("--k, --queries and --batch must be positive");
        }
        work = work.toAbsolutePath().normalize();
        return new Options(sizes, datasets, queries, warmup, k, batch, work, data.toAbsolutePath().normalize(),
                embedCache == null ? work.resolve("real-embeddings.bin") : embedCache, json, seed, clusters, noise,
                realNoise, int8, floatBench, rescore, exactTimed, keep);
    }


    /** The repository root: the nearest ancestor of the working directory holding iccache-bench/. */
    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("iccache-bench")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        return dir;
    }

    // ---------------------------------------------------------------- data

    /** Vectors to insert, queries, warm-up queries; tenant of example i is SMALL when i % 10 == 0. */
    record DataSet(String name, String description, float[][] vectors, float[][] queries, float[][] warmup,
            List<String> texts) {
        int size() {
            return vectors.length;
        }

        static DataSet clustered(int n, Options o) {
            Random centresRnd = new Random(o.seed);
            float[][] centres = new float[o.clusters][];
            for (int c = 0; c < o.clusters; c++) {
                centres[c] = gaussianUnit(centresRnd);
            }
            float[][] v = around(centres, n, o.noise, new Random(o.seed + 1));
            float[][] q = around(centres, o.queries, o.noise, new Random(o.seed + 2));
            float[][] w = around(centres, o.warmup, o.noise, new Random(o.seed + 3));
            return new DataSet("clustered", String.format(Locale.ROOT, "%d Gaussian clusters, sigma=%.3f/dim",
                    o.clusters, o.noise), v, q, w, null);
        }

        static DataSet realOnly(RealData r, Options o) {
            float[][] w = around(r.inserted, o.warmup, o.realNoise, new Random(o.seed + 3));
            return new DataSet("real", "nq-open + banking77 questions, all-MiniLM-L6-v2 int8", r.inserted,
                    r.queries, w, r.insertedTexts);
        }

        static DataSet realCentred(RealData r, int n, Options o) {
            float[][] v = around(r.inserted, n, o.realNoise, new Random(o.seed + 1));
            float[][] w = around(r.inserted, o.warmup, o.realNoise, new Random(o.seed + 3));
            return new DataSet("real-centred", String.format(Locale.ROOT,
                    "%d real vectors as centres, sigma=%.3f/dim; real held-out queries", r.inserted.length,
                    o.realNoise), v, r.queries, w, null);
        }
    }

    static float[] gaussianUnit(Random rnd) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return VectorUtil.l2normalize(v);
    }

    /** n points: a uniformly chosen centre plus N(0, sigma^2) per dimension, normalised. */
    static float[][] around(float[][] centres, int n, double sigma, Random rnd) {
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = near(centres[rnd.nextInt(centres.length)], sigma, rnd);
        }
        return out;
    }

    /** The centre plus N(0, sigma^2) per dimension, normalised. */
    static float[] near(float[] centre, double sigma, Random rnd) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = centre[d] + (float) (sigma * rnd.nextGaussian());
        }
        return VectorUtil.l2normalize(v);
    }

    /** Real question embeddings: held-out queries and the rest. */
    record RealData(float[][] inserted, List<String> insertedTexts, float[][] queries, List<String> queryTexts) {
        static RealData load(Options o) throws Exception {
            return load(o.data, o.embedCache, o.seed, o.queries);
        }

        /** The real texts of {@code data}, embedded (cached in {@code embedCache}); {@code queries} held out by {@code seed}. */
        static RealData load(Path data, Path embedCache, long seed, int queries) throws Exception {
            List<String> texts = RealTexts.load(DataDirectory.at(data));
            long t0 = System.nanoTime();
            float[][] vectors = RealTexts.embedCached(texts, embedCache);
            System.out.printf(Locale.ROOT, "# real texts: %d unique (nq-open questions + banking77 train/test text),"
                    + " vectors ready in %.1f s%n", texts.size(), (System.nanoTime() - t0) / 1e9);
            // Shuffle indices with the seed; the first `queries` are held out.
            Integer[] order = IntStream.range(0, texts.size()).boxed().toArray(Integer[]::new);
            List<Integer> shuffled = new ArrayList<>(Arrays.asList(order));
            java.util.Collections.shuffle(shuffled, new Random(seed));
            int q = Math.min(queries, texts.size() / 10);
            float[][] held = new float[q][];
            List<String> heldTexts = new ArrayList<>(q);
            float[][] inserted = new float[texts.size() - q][];
            List<String> insertedTexts = new ArrayList<>(inserted.length);
            for (int i = 0; i < shuffled.size(); i++) {
                int idx = shuffled.get(i);
                if (i < q) {
                    held[i] = vectors[idx];
                    heldTexts.add(texts.get(idx));
                } else {
                    inserted[i - q] = vectors[idx];
                    insertedTexts.add(texts.get(idx));
                }
            }
            return new RealData(inserted, insertedTexts, held, heldTexts);
        }
    }

    // ---------------------------------------------------------------- one case

    record Mode(String name, long[] nanos, double recall, String note) {
    }

    record CaseResult(String dataset, String description, int n, int smallCount, double storeBuildSeconds,
            long storeBytes, Map<String, Long> storeFiles, int storeSegments, double storeOpenSeconds,
            long heapBaseline, long heapWithStore, double int8BuildSeconds, long int8Bytes,
            Map<String, Long> int8Files, int int8Segments, double floatBuildSeconds, long floatBytes,
            Map<String, Long> floatFiles, int floatSegments, double exactP50Ms, double exactTruthSeconds,
            List<Mode> modes) {
    }

    static CaseResult runCase(Options o, DataSet set) throws Exception {
        int n = set.size();
        System.out.printf(Locale.ROOT, "%n## %s, N=%,d (%s), %d queries%n", set.name, n, set.description,
                set.queries.length);
        System.out.println("# load: " + loadAverage());
        Path caseDir = o.work.resolve(set.name + "-" + n);
        deleteTree(caseDir);
        Files.createDirectories(caseDir);
        Path storeDir = caseDir.resolve("store");
        Path int8Dir = caseDir.resolve("int8");

        int[] smallIds = IntStream.range(0, n).filter(i -> i % 10 == 0).toArray();

        // 1. exact ground truth (parallel), and single-thread exact-scan latency
        long t0 = System.nanoTime();
        int[][] truthAll = exactTopK(set.vectors, null, set.queries, o.k);
        int[][] truthSmall = exactTopK(set.vectors, smallIds, set.queries, o.k);
        double truthSeconds = (System.nanoTime() - t0) / 1e9;
        long[] exactNanos = new long[Math.min(o.exactTimed, set.queries.length)];
        for (int i = 0; i < exactNanos.length; i++) { // warm
            exactTopK(set.vectors, null, set.queries[i], o.k);
        }
        for (int i = 0; i < exactNanos.length; i++) {
            long s = System.nanoTime();
            exactTopK(set.vectors, null, set.queries[i], o.k);
            exactNanos[i] = System.nanoTime() - s;
        }
        double exactP50 = percentile(exactNanos, 50) / 1e6;
        System.out.printf(Locale.ROOT, "# exact top-%d for %d queries x 2 scopes in %.1f s (2 threads);"
                + " single-thread exact scan p50 %.2f ms%n", o.k, set.queries.length, truthSeconds, exactP50);

        // 2. build the store through putAll
        double storeBuild = buildStore(o, set, storeDir);
        StoreDisk storeDisk = disk(storeDir);
        System.out.printf(Locale.ROOT, "# store: %,d examples in %.1f s = %,.0f examples/s; %,d bytes on disk"
                + " (%.0f B/example), %d segments%n", n, storeBuild, n / storeBuild, storeDisk.total,
                (double) storeDisk.total / n, storeDisk.segments);

        // 3. bench-only int8 index
        double int8Build = Double.NaN;
        StoreDisk int8Disk = null;
        double floatBuild = Double.NaN;
        StoreDisk floatDisk = null;
        Path floatDir = caseDir.resolve("float32");
        if (o.floatBench) {
            floatBuild = buildBenchIndex(o, set, floatDir, "float32 bench", new Lucene99HnswVectorsFormat());
            floatDisk = disk(floatDir);
            System.out.printf(Locale.ROOT, "# float32 bench index: %.1f s = %,.0f examples/s; %,d bytes, %d segments%n",
                    floatBuild, n / floatBuild, floatDisk.total, floatDisk.segments);
        }
        if (o.int8) {
            int8Build = buildBenchIndex(o, set, int8Dir, "int8 bench", new Lucene99HnswScalarQuantizedVectorsFormat());
            int8Disk = disk(int8Dir);
            System.out.printf(Locale.ROOT, "# int8 bench index: %.1f s = %,.0f examples/s; %,d bytes, %d segments%n",
                    int8Build, n / int8Build, int8Disk.total, int8Disk.segments);
        }

        // 4. heap baseline (the benchmark's own arrays), then open the store
        long heapBaseline = heapAfterGc();
        long s = System.nanoTime();
        List<Mode> modes = new ArrayList<>();
        long heapWithStore;
        double openSeconds;
        try (ExampleStore store = LuceneExampleStore.open(storeDir)) {
            openSeconds = (System.nanoTime() - s) / 1e9;
            modes.add(storeMode("store.search, full scope", o, set, store, Set.of(BIG, SMALL), truthAll,
                    "tenant IN {big,small} AND live filter; loads the k hits"));
            modes.add(storeMode("store.search, 10% scope", o, set, store, Set.of(SMALL), truthSmall,
                    "tenant = small (10% of examples), filtered kNN"));
            heapWithStore = heapAfterGc();
            // raw Lucene on the store's own (float32) index, read-only while the store is open
            try (Directory dir = FSDirectory.open(storeDir); DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                modes.add(rawMode("float32 HNSW raw kNN, no filter", o, set, searcher, null, truthAll, 0,
                        "store's index, KnnFloatVectorQuery only"));
                modes.add(rawMode("float32 HNSW raw kNN, 10% filter", o, set, searcher,
                        new TermQuery(new Term("tenant", SMALL)), truthSmall, 0, "store's index, TermQuery filter"));
            }
        }
        if (o.floatBench) {
            try (Directory dir = FSDirectory.open(floatDir); DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                modes.add(rawMode("float32 bench index, no filter", o, set, searcher, null, truthAll, 0,
                        "bench-only index, same writer code as int8"));
                modes.add(rawMode("float32 bench index, 10% filter", o, set, searcher,
                        new TermQuery(new Term("tenant", SMALL)), truthSmall, 0, "bench-only index"));
            }
        }
        if (o.int8) {
            try (Directory dir = FSDirectory.open(int8Dir); DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                modes.add(rawMode("int8 HNSW raw kNN, no filter", o, set, searcher, null, truthAll, 0,
                        "bench-only index"));
                if (o.rescore > 0) {
                    modes.add(rawMode("int8 HNSW + float32 rescore " + o.rescore + "k", o, set, searcher, null,
                            truthAll, o.rescore, "bench-only index; top " + o.rescore * o.k + " rescored"));
                }
                modes.add(rawMode("int8 HNSW raw kNN, 10% filter", o, set, searcher,
                        new TermQuery(new Term("tenant", SMALL)), truthSmall, 0, "bench-only index"));
            }
        }
        if (!o.keep) {
            deleteTree(caseDir);
        }
        return new CaseResult(set.name, set.description, n, smallIds.length, storeBuild, storeDisk.total,
                storeDisk.byKind, storeDisk.segments, openSeconds, heapBaseline, heapWithStore, int8Build,
                int8Disk == null ? 0 : int8Disk.total, int8Disk == null ? Map.of() : int8Disk.byKind,
                int8Disk == null ? 0 : int8Disk.segments, floatBuild, floatDisk == null ? 0 : floatDisk.total,
                floatDisk == null ? Map.of() : floatDisk.byKind, floatDisk == null ? 0 : floatDisk.segments,
                exactP50, truthSeconds, modes);
    }

    static double buildStore(Options o, DataSet set, Path dir) {
        long t0 = System.nanoTime();
        try (LuceneExampleStore store = LuceneExampleStore.open(dir)) {
            fill(o, set, store, "store");
            store.awaitMerges();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * Fills a new Lucene store in {@code dir} with {@code n} examples, {@code batch} per {@code putAll};
     * returns the seconds it took, including the merges the merge policy asks for (a bank as a gateway that took its
     * writes over time would hold it, not one whose next commit starts merges).
     */
    static double buildStore(Path dir, int n, int batch, IntFunction<Example> example) {
        long t0 = System.nanoTime();
        try (LuceneExampleStore store = LuceneExampleStore.open(dir)) {
            fill(store, n, batch, example, "store");
            store.awaitMerges();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Puts the data set's examples into {@code store}, {@code o.batch} per {@code putAll} call. */
    static void fill(Options o, DataSet set, ExampleStore store, String label) {
        ExampleStats fresh = ExampleStats.fresh(CREATED);
        fill(store, set.size(), o.batch, i -> {
            String text = set.texts != null ? set.texts.get(i) : "synthetic question " + i;
            return new Example("e" + i, i % 10 == 0 ? SMALL : BIG, userMessages(text), text, set.vectors[i],
                    "answer " + i, "bench-model", OptionalDouble.empty(), 12, 24, CREATED, Optional.empty(), fresh);
        }, label);
    }

    /**
     * Puts examples 0..n-1 into {@code store} through the public {@link ExampleStore#putAll},
     * {@code batch} per call (one commit each), with progress lines.
     */
    static void fill(ExampleStore store, int n, int batch, IntFunction<Example> example, String label) {
        long t0 = System.nanoTime();
        long last = t0;
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            List<Example> examples = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                examples.add(example.apply(i));
            }
            store.putAll(examples);
            long now = System.nanoTime();
            if (now - last > 30_000_000_000L) {
                System.out.printf(Locale.ROOT, "#   %s: %,d / %,d after %.0f s (load %s)%n", label, to, n,
                        (now - t0) / 1e9, loadAverage());
                last = now;
            }
        }
    }

    /** The messages JSON of a one-turn conversation. */
    static String userMessages(String text) {
        return "[{\"role\":\"user\",\"content\":" + jsonString(text) + "}]";
    }

    /**
     * A bench-only index: id (stored), tenant (keyword) and the vector, written in the same batches
     * with a commit each, with the given vector format.
     */
    static double buildBenchIndex(Options o, DataSet set, Path dir, String label, KnnVectorsFormat format)
            throws IOException {
        int n = set.size();
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        long last = t0;
        IndexWriterConfig config = new IndexWriterConfig().setCodec(new Lucene103Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        });
        try (Directory d = FSDirectory.open(dir); IndexWriter w = new IndexWriter(d, config)) {
            for (int from = 0; from < n; from += o.batch) {
                int to = Math.min(n, from + o.batch);
                List<Document> docs = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    Document doc = new Document();
                    doc.add(new StoredField("id", "e" + i));
                    doc.add(new KeywordField("tenant", i % 10 == 0 ? SMALL : BIG, Field.Store.NO));
                    doc.add(new KnnFloatVectorField("vector", set.vectors[i].clone(),
                            VectorSimilarityFunction.DOT_PRODUCT));
                    docs.add(doc);
                }
                w.addDocuments(docs);
                w.commit();
                long now = System.nanoTime();
                if (now - last > 30_000_000_000L) {
                    System.out.printf(Locale.ROOT, "#   %s: %,d / %,d after %.0f s (load %s)%n", label, to, n,
                            (now - t0) / 1e9, loadAverage());
                    last = now;
                }
            }
        } // close waits for merges and commits
        return (System.nanoTime() - t0) / 1e9;
    }

    static Mode storeMode(String name, Options o, DataSet set, ExampleStore store, Set<String> scope,
            int[][] truth, String note) {
        for (float[] w : set.warmup) {
            store.search(w, scope, o.k, Instant.now());
        }
        float[][] qs = set.queries;
        long[] nanos = new long[qs.length];
        double recallSum = 0;
        for (int i = 0; i < qs.length; i++) {
            Instant now = Instant.now();
            long s = System.nanoTime();
            List<SearchHit> hits = store.search(qs[i], scope, o.k, now);
            nanos[i] = System.nanoTime() - s;
            int[] got = new int[hits.size()];
            for (int h = 0; h < got.length; h++) {
                got[h] = Integer.parseInt(hits.get(h).example().id().substring(1));
            }
            recallSum += recall(got, truth[i]);
        }
        return report(new Mode(name, nanos, recallSum / qs.length, note));
    }

    static Mode rawMode(String name, Options o, DataSet set, IndexSearcher searcher, Query filter, int[][] truth,
            int rescore, String note) throws IOException {
        int fetch = rescore > 0 ? rescore * o.k : o.k;
        for (float[] w : set.warmup) {
            rawSearch(searcher, w, fetch, o.k, filter, rescore > 0);
        }
        StoredFields stored = searcher.storedFields();
        float[][] qs = set.queries;
        long[] nanos = new long[qs.length];
        double recallSum = 0;
        for (int i = 0; i < qs.length; i++) {
            long s = System.nanoTime();
            ScoreDoc[] top = rawSearch(searcher, qs[i], fetch, o.k, filter, rescore > 0);
            nanos[i] = System.nanoTime() - s;
            int[] got = new int[top.length];
            for (int h = 0; h < top.length; h++) {
                got[h] = Integer.parseInt(stored.document(top[h].doc, Set.of("id")).get("id").substring(1));
            }
            recallSum += recall(got, truth[i]);
        }
        return report(new Mode(name, nanos, recallSum / qs.length, note));
    }

    /** kNN for {@code fetch} candidates; with rescore, the k best of them by exact float32 dot product. */
    static ScoreDoc[] rawSearch(IndexSearcher searcher, float[] q, int fetch, int k, Query filter, boolean rescore)
            throws IOException {
        ScoreDoc[] top = searcher.search(new KnnFloatVectorQuery("vector", q, fetch, filter), fetch).scoreDocs;
        if (!rescore) {
            return top;
        }
        top = top.clone();
        Arrays.sort(top, (a, b) -> Integer.compare(a.doc, b.doc));
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = null;
        FloatVectorValues values = null;
        KnnVectorValues.DocIndexIterator it = null;
        for (ScoreDoc sd : top) {
            LeafReaderContext of = leaves.get(ReaderUtil.subIndex(sd.doc, leaves));
            if (of != leaf) {
                leaf = of;
                values = leaf.reader().getFloatVectorValues("vector");
                it = values.iterator();
            }
            int target = sd.doc - leaf.docBase;
            if (it.docID() < target) {
                it.advance(target);
            }
            sd.score = VectorUtil.dotProduct(q, values.vectorValue(it.index()));
        }
        Arrays.sort(top, (a, b) -> Float.compare(b.score, a.score));
        return Arrays.copyOf(top, Math.min(k, top.length));
    }

    static Mode report(Mode m) {
        System.out.printf(Locale.ROOT, "  %-40s p50 %8.3f ms  p99 %8.3f ms  mean %8.3f ms  recall@k %.4f%n", m.name,
                percentile(m.nanos, 50) / 1e6, percentile(m.nanos, 99) / 1e6, mean(m.nanos) / 1e6, m.recall);
        return m;
    }

    // ---------------------------------------------------------------- exact search

    /** Exact top-k ids for every query (parallel over queries); {@code subset} null = all vectors. */
    static int[][] exactTopK(float[][] vectors, int[] subset, float[][] queries, int k) {
        int[][] out = new int[queries.length][];
        IntStream.range(0, queries.length).parallel().forEach(i -> out[i] = exactTopK(vectors, subset, queries[i], k));
        return out;
    }

    static int[] exactTopK(float[][] vectors, int[] subset, float[] q, int k) {
        int n = subset == null ? vectors.length : subset.length;
        int size = Math.min(k, n);
        float[] scores = new float[size];
        int[] ids = new int[size];
        int filled = 0;
        int minPos = 0;
        for (int j = 0; j < n; j++) {
            int id = subset == null ? j : subset[j];
            float s = VectorUtil.dotProduct(q, vectors[id]);
            if (filled < size) {
                scores[filled] = s;
                ids[filled] = id;
                filled++;
                if (filled == size) {
                    minPos = argMin(scores);
                }
            } else if (s > scores[minPos]) {
                scores[minPos] = s;
                ids[minPos] = id;
                minPos = argMin(scores);
            }
        }
        return ids;
    }

    private static int argMin(float[] a) {
        int m = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] < a[m]) {
                m = i;
            }
        }
        return m;
    }

    static double recall(int[] got, int[] truth) {
        Set<Integer> t = new java.util.HashSet<>();
        for (int x : truth) {
            t.add(x);
        }
        int hit = 0;
        for (int x : got) {
            if (t.contains(x)) {
                hit++;
            }
        }
        return truth.length == 0 ? 1.0 : (double) hit / truth.length;
    }

    // ---------------------------------------------------------------- measurement helpers

    static double percentile(long[] nanos, double p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        int idx = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, idx))];
    }

    static double mean(long[] nanos) {
        return Arrays.stream(nanos).average().orElse(0);
    }

    static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static String loadAverage() {
        try {
            String s = Files.readString(Path.of("/proc/loadavg")).trim();
            String[] f = s.split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    record StoreDisk(long total, Map<String, Long> byKind, int segments) {
    }

    /**
     * Bytes of every file in the directory, and of the vector files of the last commit by kind (raw
     * float32 vectors .vec, quantized vectors .veq, HNSW graph .vex), looking inside compound files.
     */
    static StoreDisk disk(Path dir) throws IOException {
        long total = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                total += Files.size(f);
            }
        }
        Map<String, Long> kinds = new LinkedHashMap<>();
        kinds.put("raw_vectors_vec", 0L);
        kinds.put("quantized_veq", 0L);
        kinds.put("hnsw_graph_vex", 0L);
        int segments;
        try (Directory d = FSDirectory.open(dir)) {
            SegmentInfos infos = SegmentInfos.readLatestCommit(d);
            segments = infos.size();
            for (SegmentCommitInfo sci : infos) {
                if (sci.info.getUseCompoundFile()) {
                    try (CompoundDirectory cd = sci.info.getCodec().compoundFormat().getCompoundReader(d, sci.info)) {
                        for (String name : cd.listAll()) {
                            addKind(kinds, name, cd.fileLength(name));
                        }
                    }
                } else {
                    for (String name : sci.files()) {
                        addKind(kinds, name, d.fileLength(name));
                    }
                }
            }
        }
        long vectors = kinds.values().stream().mapToLong(Long::longValue).sum();
        kinds.put("other", total - vectors);
        return new StoreDisk(total, kinds, segments);
    }

    private static void addKind(Map<String, Long> kinds, String name, long size) {
        String kind = name.endsWith(".vec") ? "raw_vectors_vec" : name.endsWith(".veq") ? "quantized_veq"
                : name.endsWith(".vex") ? "hnsw_graph_vex" : null;
        if (kind != null) {
            kinds.merge(kind, size, Long::sum);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    // ---------------------------------------------------------------- output

    static void printSummary(List<CaseResult> results, Options o) {
        System.out.println();
        System.out.println("| data set | N | mode | p50 ms | p99 ms | mean ms | recall@" + o.k + " |");
        System.out.println("|---|---:|---|---:|---:|---:|---:|");
        for (CaseResult r : results) {
            System.out.printf(Locale.ROOT, "| %s | %,d | exact scan (1 thread, float[][]) | %.2f | | | 1 |%n", r.dataset,
                    r.n, r.exactP50Ms);
            for (Mode m : r.modes) {
                System.out.printf(Locale.ROOT, "| %s | %,d | %s | %.3f | %.3f | %.3f | %.4f |%n", r.dataset, r.n, m.name,
                        percentile(m.nanos, 50) / 1e6, percentile(m.nanos, 99) / 1e6, mean(m.nanos) / 1e6, m.recall);
            }
        }
        System.out.println();
        System.out.println("| data set | N | store build ex/s | store disk MB | store MB per 1M | .vec/.vex MB per 1M"
                + " | segments | open s | heap with store open, MB (delta) | int8 build ex/s | int8 disk MB per 1M"
                + " | int8 .veq/.vec/.vex MB per 1M | int8 segments | float32 bench build ex/s | float32 bench segments |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (CaseResult r : results) {
            double perM = 1e6 / r.n / (1 << 20);
            System.out.printf(Locale.ROOT, "| %s | %,d | %,.0f | %.0f | %.0f | %.0f / %.0f | %d | %.2f | %.1f (%+.1f) | %s | %s | %s | %d | %s | %d |%n",
                    r.dataset, r.n, r.n / r.storeBuildSeconds, r.storeBytes / (double) (1 << 20), r.storeBytes * perM,
                    r.storeFiles.get("raw_vectors_vec") * perM, r.storeFiles.get("hnsw_graph_vex") * perM,
                    r.storeSegments, r.storeOpenSeconds, r.heapWithStore / (double) (1 << 20),
                    (r.heapWithStore - r.heapBaseline) / (double) (1 << 20),
                    Double.isNaN(r.int8BuildSeconds) ? "-" : String.format(Locale.ROOT, "%,.0f", r.n / r.int8BuildSeconds),
                    r.int8Bytes == 0 ? "-" : String.format(Locale.ROOT, "%.0f", r.int8Bytes * perM),
                    r.int8Bytes == 0 ? "-" : String.format(Locale.ROOT, "%.0f / %.0f / %.0f",
                            r.int8Files.get("quantized_veq") * perM, r.int8Files.get("raw_vectors_vec") * perM,
                            r.int8Files.get("hnsw_graph_vex") * perM),
                    r.int8Segments,
                    Double.isNaN(r.floatBuildSeconds) ? "-" : String.format(Locale.ROOT, "%,.0f", r.n / r.floatBuildSeconds),
                    r.floatSegments);
        }
    }

    static void writeJson(Options o, List<CaseResult> results) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        root.put("java", System.getProperty("java.version"));
        root.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        root.put("loadAfter", loadAverage());
        root.put("k", o.k);
        root.put("queries", o.queries);
        root.put("warmup", o.warmup);
        root.put("batch", o.batch);
        root.put("seed", o.seed);
        ArrayNode cases = root.putArray("cases");
        for (CaseResult r : results) {
            ObjectNode c = cases.addObject();
            c.put("dataset", r.dataset);
            c.put("description", r.description);
            c.put("n", r.n);
            c.put("smallTenantCount", r.smallCount);
            c.put("storeBuildSeconds", r.storeBuildSeconds);
            c.put("storeBytes", r.storeBytes);
            c.putPOJO("storeFiles", r.storeFiles);
            c.put("storeSegments", r.storeSegments);
            c.put("storeOpenSeconds", r.storeOpenSeconds);
            c.put("heapBaselineBytes", r.heapBaseline);
            c.put("heapWithStoreBytes", r.heapWithStore);
            c.put("int8BuildSeconds", r.int8BuildSeconds);
            c.put("int8Bytes", r.int8Bytes);
            c.putPOJO("int8Files", r.int8Files);
            c.put("int8Segments", r.int8Segments);
            c.put("floatBenchBuildSeconds", r.floatBuildSeconds);
            c.put("floatBenchBytes", r.floatBytes);
            c.putPOJO("floatBenchFiles", r.floatFiles);
            c.put("floatBenchSegments", r.floatSegments);
            c.put("exactScanP50Ms", r.exactP50Ms);
            c.put("exactTruthSeconds", r.exactTruthSeconds);
            ArrayNode ms = c.putArray("modes");
            for (Mode m : r.modes) {
                ObjectNode mn = ms.addObject();
                mn.put("mode", m.name);
                mn.put("note", m.note);
                mn.put("p50Ms", percentile(m.nanos, 50) / 1e6);
                mn.put("p99Ms", percentile(m.nanos, 99) / 1e6);
                mn.put("meanMs", mean(m.nanos) / 1e6);
                mn.put("recall", m.recall);
            }
        }
        Path parent = o.json.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        mapper.writeValue(o.json.toFile(), root);
    }
}
