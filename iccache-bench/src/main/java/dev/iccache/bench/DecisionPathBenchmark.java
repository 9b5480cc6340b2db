package dev.iccache.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.config.ConfigLoader;
import dev.iccache.config.IccacheConfig;
import dev.iccache.gateway.Gateway;
import dev.iccache.gateway.Route;
import dev.iccache.select.InContextAugmenter.Augmented;
import dev.iccache.server.ExampleBank;
import dev.iccache.server.GatewayServer;
import dev.iccache.tenant.Tenant;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The whole routing decision of a request for the virtual model, in process (docs/benchmarks.md,
 * "Decision path"): {@link Gateway#route} on a gateway started from a YAML configuration by
 * {@link GatewayServer#start}, i.e. embedding the request with the real in-process embedder (its
 * cache off, so every decision embeds), searching the Lucene example store, scoring and combining
 * the candidates for the small model, and the router's decision. No model is called. The gateway's
 * limit on decisions at once is off ({@code decisions.max-concurrent: 0}): every request is decided,
 * however many clients wait, so that the cost of a decision is what is measured.
 *
 * <p>The bank holds N examples around the real nq-open and banking77 question embeddings (each a
 * real vector plus N(0, 0.02²) per dimension, normalised, carrying that question's text and a
 * 600-character answer); every 10th belongs to tenant {@code small}, the rest to {@code big}. The
 * requests are 1,000 held-out real questions. "Single tenant" is a tenant whose scope is the whole
 * bank; "10% tenant" is {@code small}. Clients are threads in a closed loop. Beside the whole decision
 * ({@code decision}), two of its parts are timed alone with one client: the embedding
 * ({@code embed}) and the stage-1 search of the tenant's scope ({@code search}); the rest of a
 * decision is selection's scoring and combining and the router. Before the decision cells, each request is decided
 * once ({@code first-sight}, one client): selection remembers each candidate's cluster and token cost, so that row is
 * what a decision costs in a neighbourhood not seen before, and the decision cells after it (which cycle through the
 * same requests) what it costs once they are remembered.
 *
 * <p>Run with {@code iccache-bench/run-decision.sh --help} (from the repository root).
 */
public final class DecisionPathBenchmark {
    private static final Instant CREATED = Instant.parse("2025-01-01T00:00:00Z");
    /** Where banks and the real questions' embeddings are kept, under the repository root, unless --work says. */
    static final String WORK = "iccache-bench/target/decision-bench";
    private static final String ANSWER_WORDS = "the answer explains the steps and gives the result with a short "
            + "reason so that a reader can check it against the source and apply it to similar questions ";

    private DecisionPathBenchmark() {
    }

    record Options(List<Integer> sizes, List<Integer> clients, List<Double> tenantShares, int decisions,
            int warmup, double maxSeconds, Path work, Path data, Path json, long seed, boolean keep,
            boolean embeddingCache, long embedderMaxWaitMs, int embedderThreads, boolean compact) {
    }

    static final String HELP = """
            DecisionPathBenchmark: latency and CPU of the routing decision (embed + search + select + route)
            at bank sizes, client counts and tenant shares, in process, with the real embedder and Lucene store;
            also the embedding and the stage-1 search alone (one client).

            Options (defaults in brackets):
              --sizes 100000,1000000     examples in the bank [100000]
              --clients 1,16,64          concurrent decisions (closed loop) [1,16,64]
              --tenant-shares 1,0.1      share of the bank the request's tenant may use [1,0.1]
              --decisions N              measured decisions per cell [2000]
              --warmup N                 decisions before each cell, not measured [300]
              --max-seconds S            a cell stops after S seconds [60]
              --work DIR                 where banks are built [iccache-bench/target/decision-bench]
              --data DIR                 shared data sets (nq-open/, banking77/) [../shared/data from the repo root]
              --json FILE                also write the rows as JSON
              --seed N                   random seed [42]
              --keep                     keep (and reuse) the built banks
              --embedding-cache          leave the embedder's cache on (the 1,000 requests then repeat from it)
              --embedder-max-wait-ms N   the embedder's micro-batching wait (embedder.max-wait-ms) [its default]
              --embedder-threads N       ONNX Runtime threads for one batch (embedder.threads) [its default]
              --compact                  measure each bank as built, then compact it into one segment (what an idle
                                         gateway does, bank.compaction) and measure it again
            """;

    /** One cell of the table. */
    record Row(String phase, int segments, int size, int clients, double tenantShare, int decisions, double p50Ms,
            double p99Ms,
            double p999Ms, double meanMs, double cpuMsPerDecision, double decisionsPerSecond, double withExamples,
            double meanExamples, long bypassed, String load) {
    }

    public static void main(String[] args) throws Exception {
        Optional<Options> parsed = BenchArgs.parseOrExit(args, DecisionPathBenchmark::parse, "run-decision", HELP);
        if (parsed.isEmpty()) {
            return;
        }
        Options o = parsed.get();
        System.out.println("# DecisionPathBenchmark " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " CPUs, JDK " + System.getProperty("java.version") + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB, load " + StoreSearchBenchmark.loadAverage());
        StoreSearchBenchmark.RealData real = StoreSearchBenchmark.RealData.load(o.data,
                o.work.resolve("real-embeddings.bin"), o.seed, 1000);
        List<ChatRequest> requests = new ArrayList<>();
        for (String q : real.queryTexts()) {
            requests.add(ChatRequest.parse(("{\"model\":\"iccache\",\"messages\":"
                    + StoreSearchBenchmark.userMessages(q) + "}").getBytes(StandardCharsets.UTF_8)));
        }
        List<Row> rows = new ArrayList<>();
        for (int size : o.sizes) {
            rows.addAll(runSize(o, real, requests, size));
        }
        printTable(rows);
        if (o.json != null) {
            writeJson(o, rows);
            System.out.println("# wrote " + o.json);
        }
    }

    static List<Row> runSize(Options o, StoreSearchBenchmark.RealData real, List<ChatRequest> requests, int size)
            throws Exception {
        Path dataDir = o.work.resolve("bank-" + size);
        IccacheConfig config = ConfigLoader.parse(
                yaml(dataDir, o.embeddingCache, o.embedderMaxWaitMs, o.embedderThreads), "decision-bench");
        Path bankDir = ExampleBank.bankDirectory(config);
        if (!(o.keep && Files.isDirectory(bankDir))) {
            StoreSearchBenchmark.deleteTree(dataDir);
            Files.createDirectories(bankDir);
            Random rnd = new Random(o.seed + size);
            ExampleStats fresh = ExampleStats.fresh(CREATED);
            double seconds = StoreSearchBenchmark.buildStore(bankDir, size, 10_000, i -> {
                int c = rnd.nextInt(real.inserted().length);
                String q = real.insertedTexts().get(c);
                return new Example("e" + i, i % 10 == 0 ? "small" : "big", StoreSearchBenchmark.userMessages(q), q,
                        StoreSearchBenchmark.near(real.inserted()[c], 0.02, rnd), answer(i), "bench-large",
                        OptionalDouble.empty(), 20, 150, CREATED, Optional.empty(), fresh);
            });
            System.out.printf(Locale.ROOT, "# bank of %,d examples built in %.0f s%n", size, seconds);
        }
        List<Row> rows = new ArrayList<>();
        try (GatewayServer server = GatewayServer.start(config)) {
            ExampleBank bank = server.bank().orElseThrow();
            rows.addAll(measureCells(o, real, requests, size, server.gateway(), bank, true));
            if (o.compact) {
                long start = System.nanoTime();
                int before = bank.store().compact(1);
                System.out.printf(Locale.ROOT, "# compacted %d segments into 1 in %.0f s (load %s)%n", before,
                        (System.nanoTime() - start) / 1e9, StoreSearchBenchmark.loadAverage());
                rows.addAll(measureCells(o, real, requests, size, server.gateway(), bank, false));
            }
        }
        if (!o.keep) {
            StoreSearchBenchmark.deleteTree(dataDir);
        }
        return rows;
    }

    /**
     * Every cell of one bank size, in the bank's current segments; with {@code firstSight} (the first pass over a bank
     * in this process) also the decisions of each request's first sight, before the decision cells.
     */
    private static List<Row> measureCells(Options o, StoreSearchBenchmark.RealData real, List<ChatRequest> requests,
            int size, Gateway gateway, ExampleBank bank, boolean firstSight) throws InterruptedException {
        // compact() reports the segments there are; with a limit above them it merges nothing
        int segments = bank.store().compact(Integer.MAX_VALUE);
        List<Row> rows = new ArrayList<>();
        for (double share : o.tenantShares) {
            Tenant tenant = share >= 1 ? new Tenant("all", "all", false, Set.of("all", "big", "small"), 0)
                    : new Tenant("small", false);
            if (share < 1 && Math.abs(share - 0.1) > 1e-9) {
                throw new IllegalArgumentException("tenant shares are 1 (the whole bank) or 0.1 (tenant small)");
            }
            int offset = Math.floorMod(Objects.hash(size, tenant.name()), requests.size());
            Op decide = i -> outcome(gateway.route(requests.get((offset + i) % requests.size()), tenant));
            // The parts, one client: embedding (embedder cache off unless asked) and stage-1 search alone.
            Op embed = i -> {
                bank.embedder().embed(real.queryTexts().get((offset + i) % requests.size()));
                return Outcome.NONE;
            };
            Op search = i -> {
                bank.store().search(real.queries()[(offset + i) % requests.size()], tenant.scope(), 32,
                        Instant.now());
                return Outcome.NONE;
            };
            List<Phase> phases = new ArrayList<>();
            if (share >= 1) {
                phases.add(new Phase("embed", embed, 1, o.warmup, o.decisions));
            }
            phases.add(new Phase("search", search, 1, o.warmup, o.decisions));
            if (firstSight) {
                // Every request once, before any decision of this tenant: each candidate's cluster and token cost are
                // computed on first sight and remembered, so the cells after this one measure warm memos (a gateway
                // whose traffic repeats its neighbourhoods), this one what new neighbourhoods cost.
                phases.add(new Phase("first-sight", decide, 1, 0, requests.size()));
            }
            for (int clients : o.clients) {
                phases.add(new Phase("decision", decide, clients, o.warmup, o.decisions));
            }
            for (Phase p : phases) {
                if (p.warmup > 0) {
                    measure(p, p.warmup, o.maxSeconds, segments, size, share);
                }
                Row row = measure(p, p.count, o.maxSeconds, segments, size, share);
                rows.add(row);
                System.out.printf(Locale.ROOT, "%s, size %,d, %d segments, tenant %.0f%%, %d clients: p50 %.3f p99 %.3f"
                        + " p999 %.3f ms, CPU %.3f ms/op, %.0f ops/s, %.0f%% with examples, %d bypassed (load %s)%n",
                        p.name, size, segments, share * 100, p.clients, row.p50Ms, row.p99Ms, row.p999Ms,
                        row.cpuMsPerDecision, row.decisionsPerSecond, row.withExamples * 100, row.bypassed, row.load);
            }
        }
        return rows;
    }

    /** One measured operation: a decision, or a part of one. */
    interface Op {
        Outcome run(int i);
    }

    /** What a decision selected: the most examples any arm got, and whether selection stepped aside for one. */
    record Outcome(int examples, boolean bypassed) {
        static final Outcome NONE = new Outcome(0, false);
    }

    /** A cell: {@code warmup} operations not measured, then {@code count} measured. */
    record Phase(String name, Op op, int clients, int warmup, int count) {
    }

    /** The small arm's selection (made whichever arm the router then chose). */
    private static Outcome outcome(Route route) {
        List<Augmented> arms = route.plan().map(p -> List.copyOf(p.augmented().values())).orElse(List.of(route.augmented()));
        return new Outcome(arms.stream().mapToInt(Augmented::examples).max().orElse(0),
                arms.stream().anyMatch(Augmented::bypassed));
    }

    /** {@code count} operations by {@code phase.clients} threads in a closed loop, each timed. */
    private static Row measure(Phase phase, int count, double maxSeconds, int segments, int size, double share)
            throws InterruptedException {
        long[] nanos = new long[count];
        AtomicInteger next = new AtomicInteger();
        LongAdder withExamples = new LongAdder();
        LongAdder examples = new LongAdder();
        LongAdder bypassed = new LongAdder();
        Set<String> errors = ConcurrentHashMap.newKeySet();
        long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < phase.clients; c++) {
            threads.add(Thread.ofPlatform().name("decision-client-" + c).start(() -> {
                for (int i = next.getAndIncrement(); i < count && System.nanoTime() < deadline;
                        i = next.getAndIncrement()) {
                    long s = System.nanoTime();
                    try {
                        Outcome out = phase.op.run(i);
                        nanos[i] = System.nanoTime() - s;
                        examples.add(out.examples());
                        if (out.examples() > 0) {
                            withExamples.increment();
                        }
                        if (out.bypassed()) {
                            bypassed.increment();
                        }
                    } catch (RuntimeException e) {
                        nanos[i] = -1;
                        errors.add(e.toString());
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long cpu = os.getProcessCpuTime() - cpu0;
        if (!errors.isEmpty()) {
            throw new IllegalStateException(phase.name + " failed: " + errors);
        }
        long[] measured = Arrays.stream(nanos).filter(x -> x > 0).toArray();
        int n = measured.length;
        if (n == 0) {
            throw new IllegalStateException("no " + phase.name + " finished within " + maxSeconds + " s");
        }
        return new Row(phase.name, segments, size, phase.clients, share, n,
                ms(StoreSearchBenchmark.percentile(measured, 50)),
                ms(StoreSearchBenchmark.percentile(measured, 99)), ms(StoreSearchBenchmark.percentile(measured, 99.9)),
                ms(StoreSearchBenchmark.mean(measured)), cpu / 1e6 / n, n / seconds, withExamples.sum() / (double) n,
                examples.sum() / (double) n, bypassed.sum(), StoreSearchBenchmark.loadAverage());
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }

    /** A 600-character answer, deterministic per example. */
    static String answer(int i) {
        StringBuilder b = new StringBuilder("Answer " + i + ": ");
        while (b.length() < 600) {
            b.append(ANSWER_WORDS);
        }
        return b.substring(0, 600);
    }

    /**
     * The gateway of the benchmark: two remote backends that are never called (a decision calls no
     * model), the Lucene bank in {@code dataDir}, no replay (it would call the large model), the
     * access log off, no compaction while idle (--compact compacts between the two passes) and the embedder's
     * cache off unless asked for.
     */
    static String yaml(Path dataDir, boolean embeddingCache, long maxWaitMs, int threads) {
        return """
                server: {host: 127.0.0.1, port: 0}
                virtual-model: iccache
                default-model: bench-large
                data-dir: %s
                access-log: {enabled: false}
                embedder: {cache-size: %d%s}
                replay: {enabled: false}
                decisions: {max-concurrent: 0}
                bank: {compaction: {segments: 0}}
                backends:
                  - name: bench-small
                    base-url: http://127.0.0.1:9/v1
                    role: small
                    cost: 1.0
                    context-window: 8192
                    max-concurrent: 256
                    server-load: {mode: off}
                  - name: bench-large
                    base-url: http://127.0.0.1:9/v1
                    role: large
                    cost: 7.17
                    context-window: 8192
                    max-concurrent: 256
                    server-load: {mode: off}
                """.formatted(dataDir.toAbsolutePath(), embeddingCache ? 10_000 : 0,
                (maxWaitMs < 0 ? "" : ", max-wait-ms: " + maxWaitMs) + (threads == 0 ? "" : ", threads: " + threads));
    }

    static void printTable(List<Row> rows) {
        System.out.println();
        System.out.println("| what | size | segments | tenant share | clients | n | p50 ms | p99 ms | p999 ms | mean ms"
                + " | CPU ms/op"
                + " | ops/s | with examples | bypassed |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %,d | %d | %.0f%% | %d | %d | %.3f | %.3f | %.3f | %.3f | %.3f"
                    + " | %.0f | %.0f%% | %d |%n", r.phase, r.size, r.segments, r.tenantShare * 100, r.clients,
                    r.decisions, r.p50Ms, r.p99Ms, r.p999Ms, r.meanMs, r.cpuMsPerDecision, r.decisionsPerSecond,
                    r.withExamples * 100, r.bypassed);
        }
    }

    static void writeJson(Options o, List<Row> rows) throws Exception {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("benchmark", "decision-path");
        root.put("time", Instant.now().toString());
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        root.put("jdk", System.getProperty("java.version"));
        root.put("seed", o.seed);
        root.put("embedding_cache", o.embeddingCache);
        root.put("embedder_max_wait_ms", o.embedderMaxWaitMs < 0 ? "default" : Long.toString(o.embedderMaxWaitMs));
        root.put("embedder_threads", o.embedderThreads == 0 ? "default" : Integer.toString(o.embedderThreads));
        ArrayNode out = root.putArray("rows");
        for (Row r : rows) {
            ObjectNode n = out.addObject();
            n.put("phase", r.phase);
            n.put("size", r.size);
            n.put("segments", r.segments);
            n.put("clients", r.clients);
            n.put("tenant_share", r.tenantShare);
            n.put("decisions", r.decisions);
            n.put("p50_ms", r.p50Ms);
            n.put("p99_ms", r.p99Ms);
            n.put("p999_ms", r.p999Ms);
            n.put("mean_ms", r.meanMs);
            n.put("cpu_ms_per_decision", r.cpuMsPerDecision);
            n.put("decisions_per_second", r.decisionsPerSecond);
            n.put("share_with_examples", r.withExamples);
            n.put("mean_examples", r.meanExamples);
            n.put("bypassed", r.bypassed);
            n.put("load_average", r.load);
        }
        Files.writeString(o.json, json.writeValueAsString(root));
    }

    static Options parse(String[] args) {
        Path root = StoreSearchBenchmark.repoRoot();
        List<Integer> sizes = List.of(100_000);
        List<Integer> clients = List.of(1, 16, 64);
        List<Double> shares = List.of(1.0, 0.1);
        int decisions = 2000;
        int warmup = 300;
        double maxSeconds = 60;
        Path work = root.resolve(WORK);
        Path data = root.resolve("../shared/data");
        Path json = null;
        long seed = 42;
        boolean keep = false;
        boolean cache = false;
        long maxWait = -1;
        int threads = 0;
        boolean compact = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--sizes" -> sizes = Arrays.stream(BenchArgs.value(args, ++i, a).split(",")).map(Integer::parseInt).toList();
                case "--clients" -> clients = Arrays.stream(BenchArgs.value(args, ++i, a).split(",")).map(Integer::parseInt).toList();
                case "--tenant-shares" -> shares = Arrays.stream(BenchArgs.value(args, ++i, a).split(","))
                        .map(Double::parseDouble).toList();
                case "--decisions" -> decisions = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--warmup" -> warmup = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--max-seconds" -> maxSeconds = Double.parseDouble(BenchArgs.value(args, ++i, a));
                case "--work" -> work = Path.of(BenchArgs.value(args, ++i, a));
                case "--data" -> data = Path.of(BenchArgs.value(args, ++i, a));
                case "--json" -> json = Path.of(BenchArgs.value(args, ++i, a));
                case "--seed" -> seed = Long.parseLong(BenchArgs.value(args, ++i, a));
                case "--keep" -> keep = true;
                case "--embedding-cache" -> cache = true;
                case "--embedder-max-wait-ms" -> maxWait = Long.parseLong(BenchArgs.value(args, ++i, a));
                case "--embedder-threads" -> threads = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--compact" -> compact = true;
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (decisions < 1 || warmup < 0 || clients.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("--decisions and --clients must be at least 1, --warmup at least 0");
        }
        return new Options(sizes, clients, shares, decisions, warmup, maxSeconds, work.toAbsolutePath().normalize(),
                data.toAbsolutePath().normalize(), json, seed, keep, cache, maxWait, threads, compact);
    }

}
