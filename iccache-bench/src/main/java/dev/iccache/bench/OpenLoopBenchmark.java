package dev.iccache.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.server.SimBackendServer;
import dev.iccache.time.SimClock;
import dev.iccache.workload.DataDirectory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load (docs/benchmarks.md, "Open-loop load and LiteLLM side by side"): requests are sent
 * at a fixed rate whatever the answers do, and each latency is measured from the time the request
 * was <em>due</em>, so a target that falls behind pays for its queue (no coordinated omission).
 *
 * <p>This process serves the SIMULATED "instant" model server (nothing to compute, answers at once)
 * on {@code --backend-port}; the targets are that server itself ({@code direct}) and the gateways in
 * front of it, started by the caller (iccache-bench/run-compare.sh) as separate processes. For each
 * rate, every target gets {@code --seconds} of load in turn (the order rotates with the rate), one
 * real question per request (nq-open and banking77, cycling), {@code max_tokens} 16. Added latency =
 * a target's percentile minus direct's percentile at the same rate.
 */
public final class OpenLoopBenchmark {
    /** Requests in flight at most per target; beyond it a request counts as an error (the target has fallen over). */
    private static final int MAX_IN_FLIGHT = 4096;

    private OpenLoopBenchmark() {
    }

    /** A target: a name, an OpenAI-compatible base URL and the model to ask. */
    record Target(String name, String baseUrl, String model) {
        static Target parse(String spec) {
            String[] nameRest = spec.split("=", 2);
            int comma = nameRest.length == 2 ? nameRest[1].lastIndexOf(',') : -1;
            if (comma < 0) {
                throw new IllegalArgumentException("a target is NAME=BASE_URL,MODEL, got " + spec);
            }
            return new Target(nameRest[0], nameRest[1].substring(0, comma), nameRest[1].substring(comma + 1));
        }
    }

    record Options(int backendPort, List<Target> targets, List<Integer> rates, double seconds, double warmupSeconds,
            Path data, Path json, String authorization, Map<String, Long> pids) {
    }

    /**
     * One target at one rate. {@code cpuCores}: the target process's CPU time over the cell's wall time (NaN without
     * its pid); {@code rssMiB} at the end; {@code bypassed}: answers with {@code x-iccache-route: bypass} (not
     * decided by the gateway); {@code labelled}: answers with any {@code x-iccache-route} (0 for targets that are
     * not iccache).
     */
    record Row(String target, int rate, long sent, long ok, long errors, double achievedRps, double p50Ms,
            double p99Ms, double p999Ms, double maxMs, double cpuCores, double rssMiB, String firstError,
            long bypassed, long labelled) {
    }

    static final String HELP = """
            OpenLoopBenchmark: fixed-rate load against OpenAI-compatible targets in front of a SIMULATED instant
            model server that this process serves.

            Options (defaults in brackets):
              --backend-port N      port of the simulated model server (model sim-fast) [18090]
              --target NAME=URL,M   a target: base URL (…/v1) and model; repeat; "direct" is added first
              --rates 250,500,1000  requests per second [250,500,1000]
              --seconds S           measured seconds per target and rate [60]
              --warmup S            unmeasured seconds per target before the first rate [10]
              --data DIR            shared data sets (nq-open/, banking77/) [../shared/data from the repo root]
              --json FILE           also write the rows as JSON
              --authorization V     Authorization header value sent to every target except direct
              --pid NAME=PID        the process serving target NAME: its CPU and RSS are reported; repeat
            """;

    public static void main(String[] args) throws Exception {
        Optional<Options> parsed = BenchArgs.parseOrExit(args, OpenLoopBenchmark::parse, "run-compare", HELP);
        if (parsed.isEmpty()) {
            return;
        }
        Options o = parsed.get();
        List<String> prompts = RealTexts.load(DataDirectory.at(o.data));
        SimulatedBackend backend = new SimulatedBackend(BackendConfig.simulated("sim-fast", "small", 1.0),
                GatewayOverheadBenchmark.INSTANT, SimClock.REAL, InstantSource.system(), 7, 1.0);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<Row> rows = new ArrayList<>();
        try (SimBackendServer sim = new SimBackendServer(backend, "127.0.0.1", o.backendPort).start()) {
            List<Target> targets = new ArrayList<>();
            targets.add(new Target("direct", "http://127.0.0.1:" + sim.port() + "/v1", "sim-fast"));
            targets.addAll(o.targets);
            System.out.printf(Locale.ROOT, "# OpenLoopBenchmark %s, %d CPUs, load %s; SIMULATED instant backend on :%d; "
                    + "%d prompts%n", Instant.now(), Runtime.getRuntime().availableProcessors(),
                    StoreSearchBenchmark.loadAverage(), sim.port(), prompts.size());
            AtomicLong cursor = new AtomicLong();
            for (Target t : targets) {
                check(client, t, o, prompts.get(0));
                if (o.warmupSeconds > 0) {
                    run(client, t, o, prompts, cursor, o.rates.get(0), o.warmupSeconds);
                }
            }
            for (int r = 0; r < o.rates.size(); r++) {
                int rate = o.rates.get(r);
                for (int i = 0; i < targets.size(); i++) {
                    Target t = targets.get((i + r) % targets.size());
                    Row row = run(client, t, o, prompts, cursor, rate, o.seconds);
                    rows.add(row);
                    System.out.printf(Locale.ROOT, "%-22s %5d rps: sent %d, ok %d, errors %d, achieved %.0f rps, p50 %.2f"
                            + " p99 %.2f p999 %.2f max %.1f ms (load %s)%s%n", t.name, rate, row.sent, row.ok, row.errors,
                            row.achievedRps, row.p50Ms, row.p99Ms, row.p999Ms, row.maxMs,
                            StoreSearchBenchmark.loadAverage(), row.firstError == null ? "" : "; first error: " + row.firstError);
                }
            }
        }
        printTable(rows);
        if (o.json != null) {
            writeJson(o, rows);
            System.out.println("# wrote " + o.json);
        }
    }

    /** One request that must succeed before a target is measured. */
    private static void check(HttpClient client, Target t, Options o, String prompt) throws Exception {
        HttpResponse<String> r = client.send(request(t, o, prompt), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(t.name + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static HttpRequest request(Target t, Options o, String prompt) {
        String body = "{\"model\":" + StoreSearchBenchmark.jsonString(t.model) + ",\"max_tokens\":16,\"messages\":"
                + StoreSearchBenchmark.userMessages(prompt) + "}";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.baseUrl + "/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (o.authorization != null && !t.name.equals("direct")) {
            b.header("Authorization", o.authorization);
        }
        return b.build();
    }

    /** {@code seconds} of requests at {@code rate} per second, each timed from when it was due. */
    static Row run(HttpClient client, Target t, Options o, List<String> prompts, AtomicLong cursor, int rate,
            double seconds) throws InterruptedException {
        int total = (int) Math.round(rate * seconds);
        long[] nanos = new long[total];
        Arrays.fill(nanos, -1);
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        AtomicLong errors = new AtomicLong();
        AtomicLong bypassed = new AtomicLong();
        AtomicLong labelled = new AtomicLong();
        String[] firstError = new String[1];
        List<CompletableFuture<?>> pending = new ArrayList<>(total);
        long interval = 1_000_000_000L / rate;
        Long pid = t.name.equals("direct") ? Long.valueOf(ProcessHandle.current().pid()) : o.pids.get(t.name);
        long cpu0 = pid == null ? 0 : ProcStat.cpuNanos(pid);
        long start = System.nanoTime() + 10_000_000L;
        for (int i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!inFlight.tryAcquire()) {
                record(errors, firstError, "more than " + MAX_IN_FLIGHT + " requests in flight");
                continue;
            }
            int index = i;
            HttpRequest request = request(t, o, prompts.get((int) (cursor.getAndIncrement() % prompts.size())));
            pending.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                long done = System.nanoTime();
                inFlight.release();
                if (e != null) {
                    record(errors, firstError, e.toString());
                } else if (r.statusCode() != 200) {
                    record(errors, firstError, "HTTP " + r.statusCode() + ": " + abbreviate(r.body()));
                } else {
                    nanos[index] = done - due;
                    r.headers().firstValue("x-iccache-route").ifPresent(route -> {
                        labelled.incrementAndGet();
                        if (route.equals("bypass")) {
                            bypassed.incrementAndGet();
                        }
                    });
                }
            }));
        }
        long sendEnd = System.nanoTime();
        for (CompletableFuture<?> f : pending) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // counted in whenComplete (or still running: then it is missing from the latencies)
            }
        }
        double cpuCores = pid == null ? Double.NaN : (ProcStat.cpuNanos(pid) - cpu0) / (double) (System.nanoTime() - start);
        double rss = pid == null ? Double.NaN : ProcStat.rssBytes(pid) / (double) (1 << 20);
        long[] ok = Arrays.stream(nanos).filter(x -> x >= 0).toArray();
        double sendSeconds = (sendEnd - start) / 1e9;
        if (ok.length == 0) {
            return new Row(t.name, rate, total, 0, errors.get(), 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    cpuCores, rss, firstError[0], 0, 0);
        }
        return new Row(t.name, rate, total, ok.length, errors.get(), ok.length / Math.max(sendSeconds, 1e-9),
                StoreSearchBenchmark.percentile(ok, 50) / 1e6, StoreSearchBenchmark.percentile(ok, 99) / 1e6,
                StoreSearchBenchmark.percentile(ok, 99.9) / 1e6, Arrays.stream(ok).max().orElse(0) / 1e6, cpuCores, rss,
                firstError[0], bypassed.get(), labelled.get());
    }

    private static void record(AtomicLong errors, String[] firstError, String what) {
        if (errors.getAndIncrement() == 0) {
            firstError[0] = what;
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 160 ? s : s.substring(0, 157) + "...";
    }

    static void printTable(List<Row> rows) {
        System.out.println();
        System.out.println("| target | rate rps | sent | ok | errors | achieved rps | p50 ms | p99 ms | p999 ms | added p50 ms"
                + " | added p99 ms | CPU cores | RSS MiB | bypassed |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            Row direct = rows.stream().filter(x -> x.target.equals("direct") && x.rate == r.rate).findFirst().orElse(r);
            System.out.printf(Locale.ROOT,
                    "| %s | %d | %d | %d | %d | %.0f | %.2f | %.2f | %.2f | %s | %s | %.2f | %.0f | %s |%n",
                    r.target, r.rate, r.sent, r.ok, r.errors, r.achievedRps, r.p50Ms, r.p99Ms, r.p999Ms,
                    r.target.equals("direct") ? "" : String.format(Locale.ROOT, "%.2f", r.p50Ms - direct.p50Ms),
                    r.target.equals("direct") ? "" : String.format(Locale.ROOT, "%.2f", r.p99Ms - direct.p99Ms),
                    r.cpuCores, r.rssMiB, r.labelled == 0 ? ""
                            : String.format(Locale.ROOT, "%.1f%%", 100.0 * r.bypassed / r.ok));
        }
    }

    static void writeJson(Options o, List<Row> rows) throws Exception {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("benchmark", "open-loop");
        root.put("time", Instant.now().toString());
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        root.put("seconds_per_cell", o.seconds);
        ArrayNode out = root.putArray("rows");
        for (Row r : rows) {
            ObjectNode n = out.addObject();
            n.put("target", r.target);
            n.put("rate", r.rate);
            n.put("sent", r.sent);
            n.put("ok", r.ok);
            n.put("errors", r.errors);
            n.put("achieved_rps", r.achievedRps);
            n.put("p50_ms", r.p50Ms);
            n.put("p99_ms", r.p99Ms);
            n.put("p999_ms", r.p999Ms);
            n.put("max_ms", r.maxMs);
            n.put("cpu_cores", r.cpuCores);
            n.put("rss_mib", r.rssMiB);
            if (r.labelled > 0) {
                n.put("bypassed", r.bypassed);
            }
            if (r.firstError != null) {
                n.put("first_error", r.firstError);
            }
        }
        Files.writeString(o.json, json.writeValueAsString(root));
    }

    static Options parse(String[] args) {
        int port = 18090;
        List<Target> targets = new ArrayList<>();
        List<Integer> rates = List.of(250, 500, 1000);
        double seconds = 60;
        double warmup = 10;
        Path data = StoreSearchBenchmark.repoRoot().resolve("../shared/data");
        Path json = null;
        String authorization = null;
        Map<String, Long> pids = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--backend-port" -> port = Integer.parseInt(BenchArgs.value(args, ++i, a));
                case "--target" -> targets.add(Target.parse(BenchArgs.value(args, ++i, a)));
                case "--rates" -> rates = Arrays.stream(BenchArgs.value(args, ++i, a).split(",")).map(Integer::parseInt).toList();
                case "--seconds" -> seconds = Double.parseDouble(BenchArgs.value(args, ++i, a));
                case "--warmup" -> warmup = Double.parseDouble(BenchArgs.value(args, ++i, a));
                case "--data" -> data = Path.of(BenchArgs.value(args, ++i, a));
                case "--json" -> json = Path.of(BenchArgs.value(args, ++i, a));
                case "--authorization" -> authorization = BenchArgs.value(args, ++i, a);
                case "--pid" -> {
                    String[] kv = BenchArgs.value(args, ++i, a).split("=", 2);
                    if (kv.length != 2) {
                        throw new IllegalArgumentException("--pid is NAME=PID");
                    }
                    pids.put(kv[0], Long.parseLong(kv[1]));
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (rates.isEmpty() || rates.stream().anyMatch(r -> r < 1) || seconds <= 0) {
            throw new IllegalArgumentException("--rates must be positive and --seconds above 0");
        }
        return new Options(port, List.copyOf(targets), rates, seconds, warmup, data.toAbsolutePath().normalize(), json,
                authorization, Map.copyOf(pids));
    }


    /** CPU time and resident memory of a process and its descendants (a proxy's worker processes), from /proc (Linux). */
    static final class ProcStat {
        private static final long CLOCK_TICK_NANOS = 10_000_000L; // USER_HZ = 100 on Linux

        private ProcStat() {
        }

        /** User + system CPU time of the process tree; what cannot be read counts 0. */
        static long cpuNanos(long pid) {
            return tree(pid).map(p -> {
                try {
                    String stat = Files.readString(Path.of("/proc/" + p + "/stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * CLOCK_TICK_NANOS; // utime, stime
                } catch (java.io.IOException | RuntimeException e) {
                    return 0;
                }
            }).sum();
        }

        /** Resident set size of the process tree in bytes; what cannot be read counts 0. */
        static long rssBytes(long pid) {
            return tree(pid).map(p -> {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc/" + p + "/status"))) {
                        if (line.startsWith("VmRSS:")) {
                            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                        }
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    return 0;
                }
                return 0;
            }).sum();
        }

        private static java.util.stream.LongStream tree(long pid) {
            return ProcessHandle.of(pid).map(h -> java.util.stream.Stream.concat(java.util.stream.Stream.of(h),
                    h.descendants())).orElse(java.util.stream.Stream.empty()).mapToLong(ProcessHandle::pid);
        }
    }
}
