package dev.iccache.sim.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.admission.Candidate;
import dev.iccache.admission.ExampleAdmitter;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.bank.Example;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.CachingEmbedder;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbeddingText;
import dev.iccache.gateway.Assembly;
import dev.iccache.metrics.Metrics;
import dev.iccache.scrub.Scrubber;
import dev.iccache.scrub.ScrubberSettings;
import dev.iccache.sim.arrivals.Arrival;
import dev.iccache.sim.arrivals.ArrivalSpec;
import dev.iccache.sim.arrivals.Arrivals;
import dev.iccache.sim.arrivals.Schedule;
import dev.iccache.sim.engine.EventLoop;
import dev.iccache.sim.engine.ServerModel;
import dev.iccache.sim.engine.SimExecutor;
import dev.iccache.sim.policy.Decision;
import dev.iccache.sim.policy.JudgedHistory;
import dev.iccache.sim.policy.Policies;
import dev.iccache.sim.policy.Policy;
import dev.iccache.sim.policy.PolicyContext;
import dev.iccache.sim.report.ReportHtml;
import dev.iccache.sim.report.ResultsTable;
import dev.iccache.sim.world.Calibration;
import dev.iccache.sim.world.CalibrationCheck;
import dev.iccache.sim.world.SimJudge;
import dev.iccache.sim.world.Wins;
import dev.iccache.sim.world.World;
import dev.iccache.sim.world.WorldBackend;
import dev.iccache.tenant.Tenant;
import dev.iccache.workload.DataDirectory;
import dev.iccache.workload.WorkItem;
import dev.iccache.workload.Workload;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * The trace-driven evaluation (EVALUATION.md §2): replays a workload's online stream at the
 * arrival times of a spec through each policy, on the same simulated world, trace and seed, in
 * virtual time, on the cluster its kind of policy gets (every cluster has the same GPUs), and
 * reports §2.6's metrics per policy as the {@code results.json} document (field names in
 * docs/evaluation.md), averaged over the seeds with 95% confidence intervals. Before each run
 * every learning policy gets the same judged-history budget. {@code always-large} always runs
 * first: it is the reference of win rates, latency changes, normalised throughput and capacity.
 */
public final class Bench {
    /** The virtual model clients ask for. */
    static final String VIRTUAL = "iccache";
    /** Arrivals between two samples of the bank's size. */
    private static final int BANK_SAMPLE_EVERY = 50;
    /** Texts per call when embedding the workload up front. */
    private static final int EMBED_BATCH = 64;
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
    /** Mixed into a run's seed for the policies' random streams (the world's use the seed itself). */
    private static final long POLICY_STREAM = 0x504F4C4943L;

    /**
     * One bench run.
     *
     * @param workload         the workload (history seeds the bank, online is replayed)
     * @param arrivals         the arrival spec
     * @param policies         policy names to compare
     * @param seeds            one run per seed: the world's streams use the seed, the policies' a
     *                         stream derived from it
     * @param calibration      the model pair's world
     * @param bank             the bank's size budget (max examples, max bytes; 0 = none)
     * @param command          the command line, recorded in the results
     * @param frontier         also run each policy that has one at its frontier settings ({@link Policies#frontier})
     * @param load             a trace's mean rate as a fraction of the large-only cluster's capacity;
     *                         empty: the calibration's {@code cluster.load}
     * @param historyBudget    judged-history verdicts every learning policy gets before a run
     * @param capacityRequests requests per probe of the capacity sweep; 0: no sweep
     */
    public record Settings(Workload workload, ArrivalSpec arrivals, List<String> policies, List<Long> seeds,
            Calibration calibration, BankConfig bank, String command, boolean frontier, OptionalDouble load,
            int historyBudget, int capacityRequests) {
        public Settings {
            seeds = List.copyOf(seeds);
            if (seeds.isEmpty()) {
                throw new IllegalArgumentException("at least one seed");
            }
            if (historyBudget < 0 || capacityRequests < 0) {
                throw new IllegalArgumentException("the history budget and capacity requests must not be negative");
            }
        }
    }

    private final Settings settings;
    private final CachingEmbedder embedder;
    private final DataDirectory data;
    private final PrintStream progress;
    private final Calibration cal;
    private final List<WorkItem> items = new ArrayList<>();
    private final int historySize;
    private final World.Kind kind;
    private final ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    private List<World.Item> worldItems;
    /** Output tokens of the history's answers in every world of the current seed. */
    private int[] historyTokens;

    public Bench(Settings settings, Embedder model, DataDirectory data, PrintStream progress) {
        this.settings = settings;
        this.data = data;
        this.progress = progress;
        this.cal = settings.calibration();
        this.items.addAll(settings.workload().history());
        this.items.addAll(settings.workload().online());
        this.historySize = settings.workload().history().size();
        this.kind = kindOf(settings.workload());
        this.embedder = new CachingEmbedder(model, 2 * items.size() + 1);
    }

    /** Runs every arrival setting of the spec for every policy and seed and returns the results document. */
    public ObjectNode run() {
        List<String> texts = items.stream().map(i -> EmbeddingText.of(request(i.text()))).toList();
        long start = System.nanoTime();
        embedOnce(embedder, texts, n -> {
            if (n % 1024 == 0 || n == texts.size()) {
                progress.printf("embedding workload texts: %d/%d%n", n, texts.size());
            }
        });
        progress.printf("embedded %d texts in %.1f s%n", texts.size(), (System.nanoTime() - start) / 1e9);
        worldItems = worldItems(items, embedder);
        ObjectNode root = header();
        int runCount = Arrivals.runs(settings.arrivals());
        List<List<ObjectNode>> perSeed = new ArrayList<>();
        for (int r = 0; r < runCount; r++) {
            perSeed.add(new ArrayList<>());
        }
        for (long seed : settings.seeds()) {
            progress.printf("seed %d%n", seed);
            World.Truth truth = World.Truth.of(cal, kind, worldItems, seed);
            historyTokens = historyTokens(seed);
            List<Example> bank = seedBank(truth, seed);
            Map<String, Double> capacity = settings.capacityRequests() > 0 ? capacities(truth, bank, seed) : Map.of();
            for (int r = 0; r < runCount; r++) {
                ObjectNode run = runArrivals(r, truth, bank, seed);
                for (var p : run.withArray("policies")) {
                    Double c = capacity.get(p.path("policy").asText());
                    if (c != null) {
                        ((ObjectNode) p).put("capacity_rps", c);
                        ((ObjectNode) p).put("capacity_ratio", c / capacity.get("always-large"));
                        ((ObjectNode) p).put("capacity_censored", c >= capacity.get(CAPACITY_LIMIT) ? 1 : 0);
                    }
                }
                perSeed.get(r).add(run);
            }
        }
        ArrayNode runs = root.putArray("runs");
        for (List<ObjectNode> seeds : perSeed) {
            runs.add(average(seeds));
        }
        return root;
    }

    /** One arrival setting averaged over the seeds: the arrivals of the first, each policy's mean report. */
    private static ObjectNode average(List<ObjectNode> seeds) {
        ObjectNode out = Json.object();
        out.set("arrivals", seeds.get(0).get("arrivals"));
        ArrayNode policies = out.putArray("policies");
        int n = seeds.get(0).withArray("policies").size();
        for (int i = 0; i < n; i++) {
            int index = i;
            policies.add(SeedStats.mean(seeds.stream().map(s -> (ObjectNode) s.withArray("policies").get(index))
                    .toList()));
        }
        return out;
    }

    private ObjectNode header() {
        ObjectNode root = Json.object();
        root.put("simulated", true);
        root.put("label", "SIMULATED (simulated backends, judge and users; real embedder, store, selector, router, "
                + "manager)");
        root.put("command", settings.command());
        root.put("pair", cal.pair());
        root.put("seed", settings.seeds().get(0));
        ArrayNode seeds = root.putArray("seeds");
        settings.seeds().forEach(seeds::add);
        root.put("history_budget", settings.historyBudget());
        ObjectNode c = root.putObject("calibration");
        c.put("file", cal.source());
        c.set("parameters", cal.tree());
        Workload w = settings.workload();
        ObjectNode wl = root.putObject("workload");
        wl.put("name", w.name());
        wl.put("description", w.description());
        wl.put("history", w.history().size());
        wl.put("online", w.online().size());
        wl.put("recorded", w.recorded());
        wl.put("kind", kind.name().toLowerCase(Locale.ROOT));
        ObjectNode cluster = root.putObject("cluster");
        cluster.put("gpus", cal.gpus());
        for (String name : Calibration.CLUSTERS) {
            ObjectNode k = cluster.putObject(name);
            for (String tier : Calibration.TIERS) {
                SimProfile p = cal.profile(tier);
                int replicas = cal.replicas(name, tier);
                ObjectNode t = k.putObject(tier);
                t.put("model", cal.text("models." + tier + ".name"));
                t.put("replicas", replicas);
                t.put("gpus", replicas * p.gpus());
                t.put("slots", replicas * p.maxBatch());
            }
        }
        ObjectNode byPolicy = cluster.putObject("policies");
        settings.policies().forEach(p -> byPolicy.put(p, Policies.cluster(p)));
        cluster.put("slo_latency_s", cal.number("cluster.slo-latency-s"));
        ObjectNode bank = root.putObject("bank");
        bank.put("max_examples", settings.bank().maxExamples());
        bank.put("max_bytes", settings.bank().maxBytes());
        return root;
    }

    /** One arrival setting: its schedule, then every policy on it. */
    private ObjectNode runArrivals(int runIndex, World.Truth truth, List<Example> bank, long seed) {
        List<WorkItem> online = settings.workload().online();
        int maxOutput = cal.profile("small").contextWindow() / 4;
        Schedule probe = Arrivals.schedule(settings.arrivals(), runIndex, online.size(), 1, maxOutput, seed, data);
        double capacity = largeCapacity(probe.arrivals());
        double meanRate = settings.load().orElse(cal.number("cluster.load")) * capacity;
        Schedule schedule = Arrivals.schedule(settings.arrivals(), runIndex, online.size(), meanRate, maxOutput, seed,
                data);
        ObjectNode run = Json.object();
        ObjectNode a = run.putObject("arrivals");
        a.put("spec", settings.arrivals().label());
        a.put("label", schedule.label());
        a.put("requests", schedule.arrivals().size());
        a.put("duration_s", span(schedule));
        a.put("mean_rate_rps", schedule.meanRate());
        a.put("scale", schedule.scale());
        a.put("large_capacity_rps", capacity);
        a.put("note", schedule.note());
        progress.printf("arrivals %s: %d requests over %.0f s of virtual time (%.2f req/s)%n", schedule.label(),
                schedule.arrivals().size(), span(schedule), schedule.meanRate());
        ArrayNode policies = run.putArray("policies");
        PolicyRun reference = null;
        for (String name : order()) {
            long t0 = System.nanoTime();
            PolicyRun result = runPolicy(name, OptionalDouble.empty(), truth, bank, schedule, seed);
            if (reference == null) {
                reference = result;
            }
            if (settings.policies().contains(name)) {
                ObjectNode report = report(result, reference, schedule);
                if (settings.frontier()) {
                    ArrayNode frontier = report.putArray("frontier");
                    for (double setting : Policies.frontier(name)) {
                        ObjectNode point = report(runPolicy(name, OptionalDouble.of(setting), truth, bank, schedule,
                                seed), reference, schedule);
                        ObjectNode f = frontier.addObject();
                        f.put("setting", Policies.frontierLabel(name, setting));
                        SeedStats.copy(point, f, List.of("win_rate_truth", "win_rate_truth_expected", "win_rate_judge",
                                "normalised_throughput", "offload_ratio", "latency_p50_s", "latency_p99_s",
                                "mean_true_quality", "throughput_within_slo_rps"));
                    }
                }
                policies.add(report);
            }
            progress.printf("  %-22s done in %5.1f s (real time)%n", name, (System.nanoTime() - t0) / 1e9);
        }
        return run;
    }

    /** The key of the highest rate the capacity sweep can tell apart. */
    private static final String CAPACITY_LIMIT = "";

    /** The policies whose capacity is measured: always-large (the reference) and those of {@link Policies#CAPACITY}. */
    private List<String> capacityPolicies() {
        return order().stream().filter(p -> p.equals("always-large") || Policies.CAPACITY.contains(p)).toList();
    }

    /** The policies to run: always-large first (the reference), then the others as given. */
    private List<String> order() {
        List<String> order = new ArrayList<>(settings.policies());
        order.remove("always-large");
        order.add(0, "always-large");
        return order;
    }

    /** A probe of the capacity sweep lasts at least this many SLOs. */
    static final int CAPACITY_SLOS = 4;

    /**
     * Each policy's capacity (see {@link Capacity}) on Poisson arrivals of the first
     * {@code capacityRequests} online requests, starting from the large-only cluster's saturated
     * capacity; rates at which those requests would arrive within {@link #CAPACITY_SLOS} SLOs are
     * not tried (the capacity is then a lower bound, flagged {@code capacity_censored}).
     */
    private Map<String, Double> capacities(World.Truth truth, List<Example> bank, long seed) {
        int n = Math.min(settings.capacityRequests(), settings.workload().online().size());
        int maxOutput = cal.profile("small").contextWindow() / 4;
        double slo = cal.number("cluster.slo-latency-s");
        Schedule probe = Arrivals.schedule(ArrivalSpec.parse("poisson:1"), 0, n, 1, maxOutput, seed, data);
        double start = largeCapacity(probe.arrivals());
        double max = n / (CAPACITY_SLOS * slo);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(CAPACITY_LIMIT, max);
        for (String name : capacityPolicies()) {
            long t0 = System.nanoTime();
            double c = Capacity.find(rate -> {
                Schedule s = Arrivals.schedule(ArrivalSpec.parse("poisson:" + rate), 0, n, rate, maxOutput, seed, data);
                return runPolicy(name, OptionalDouble.empty(), truth, bank, s, seed).withinSlo(slo);
            }, start, max);
            out.put(name, c);
            progress.printf("  capacity %-22s %6.2f req/s (%.1f s real time)%n", name, c, (System.nanoTime() - t0) / 1e9);
        }
        return out;
    }

    private ObjectNode report(PolicyRun run, PolicyRun reference, Schedule schedule) {
        return run.report(reference, span(schedule), cal.number("cluster.slo-latency-s"),
                cal.number("judge.truth-tie-band"), cal.number("quality.generation-noise"));
    }

    private static double span(Schedule s) {
        List<Arrival> a = s.arrivals();
        return a.isEmpty() ? 0 : a.get(a.size() - 1).atSeconds() - a.get(0).atSeconds();
    }

    /**
     * Requests per second the large-only cluster sustains when saturated, for these arrivals'
     * token counts: slots over the mean service time at full batch.
     */
    private double largeCapacity(List<Arrival> arrivals) {
        SimProfile p = cal.profile("large");
        double service = 0;
        for (int i = 0; i < arrivals.size(); i++) {
            int prompt = SimulatedBackend.estimatePromptTokens(request(settings.workload().online().get(i).text()));
            service += p.timeToFirstTokenNanos(prompt) / 1e9
                    + (arrivals.get(i).outputTokens() - 1) / p.decodeRate(p.maxBatch());
        }
        service /= Math.max(1, arrivals.size());
        return cal.replicas("large-only", "large") * p.maxBatch() / service;
    }

    /** A fresh world and a policy's cluster on a fresh event loop. */
    private record Setup(World world, EventLoop loop, SimExecutor executor, Map<String, ServerModel> servers,
            IccacheConfig config, List<BoundedBackend> backends, SimJudge judge, JudgedHistory history,
            double timeScale) {
    }

    private Setup setup(String policy, World.Truth truth, Schedule schedule, long seed) {
        World world = world(truth, schedule.arrivals());
        EventLoop loop = new EventLoop(EPOCH);
        SimExecutor executor = new SimExecutor(loop);
        String cluster = Policies.cluster(policy);
        Map<String, ServerModel> servers = new LinkedHashMap<>();
        servers.put(Policies.SMALL, new ServerModel(cal.profile("small"), cal.replicas(cluster, "small"), loop));
        servers.put(Policies.LARGE, new ServerModel(cal.profile("large"), cal.replicas(cluster, "large"), loop));
        double costRatio = cal.profile("small").saturatedTokensPerSecondPerGpu()
                / cal.profile("large").saturatedTokensPerSecondPerGpu();
        List<BackendConfig> configs = List.of(
                backendConfig(Policies.SMALL, BackendRole.SMALL, 1.0, servers.get(Policies.SMALL)),
                backendConfig(Policies.LARGE, BackendRole.LARGE, costRatio, servers.get(Policies.LARGE)));
        IccacheConfig config = IccacheConfig.builder().virtualModel(VIRTUAL).defaultModel(Policies.LARGE)
                .backends(configs).bank(settings.bank()).build();
        Metrics metrics = new Metrics();
        List<BoundedBackend> backends = new ArrayList<>();
        List<WorldBackend> offline = new ArrayList<>();
        for (BackendConfig c : configs) {
            backends.add(new BoundedBackend(new WorldBackend(c, world, Optional.of(servers.get(c.name()))),
                    loop.ticker(), new BackendMetrics(metrics)));
            offline.add(new WorldBackend(c, world, Optional.empty()));
        }
        ServerModel judgeServers = servers.get(config.judgeModel());
        SimJudge judge = new SimJudge(world, cal, seed ^ 0x4A554447L,
                judgeServers.replicas() > 0 ? Optional.of(judgeServers) : Optional.empty());
        JudgedHistory history = new JudgedHistory(new SimJudge(world, cal, seed ^ 0x4A554447L, Optional.empty()),
                offline, settings.historyBudget());
        return new Setup(world, loop, executor, servers, config, backends, judge, history, schedule.scale());
    }

    /**
     * Output tokens of the history's answers for a seed: seeded draws from the output tokens of the
     * first arrival setting's arrivals, the same in every world of the seed.
     */
    private int[] historyTokens(long seed) {
        int maxOutput = cal.profile("small").contextWindow() / 4;
        int n = Math.max(1, settings.workload().online().size());
        List<Arrival> arrivals = Arrivals.schedule(settings.arrivals(), 0, n, 1, maxOutput, seed, data).arrivals();
        SplittableRandom lengths = new SplittableRandom(seed ^ 0x4C454EL);
        int[] out = new int[historySize];
        for (int i = 0; i < historySize; i++) {
            out[i] = arrivals.get(lengths.nextInt(arrivals.size())).outputTokens();
        }
        return out;
    }

    /**
     * A fresh world of the seed's truth with its response lengths (online: the arrivals' output
     * tokens; history: {@link #historyTokens}) and the history's large answers generated first, so
     * that they are the same responses (the bank's markers) in every world of the seed.
     */
    private World world(World.Truth truth, List<Arrival> arrivals) {
        World world = new World(truth, Policies.SMALL);
        for (int i = 0; i < items.size(); i++) {
            int online = i - historySize;
            world.setOutputTokens(i, online < 0 ? historyTokens[i]
                    : online < arrivals.size() ? arrivals.get(online).outputTokens() : 250);
        }
        for (int i = 0; i < historySize; i++) {
            world.generate(i, Policies.LARGE, List.of());
        }
        return world;
    }

    private static List<World.Item> worldItems(List<WorkItem> items, Embedder embedder) {
        List<World.Item> out = new ArrayList<>(items.size());
        for (WorkItem i : items) {
            out.add(new World.Item(i.text(), i.answers(), i.recordedSmall(), i.recordedLarge(),
                    embedder.embed(EmbeddingText.of(request(i.text())))));
        }
        return out;
    }

    /** The world's calibration measures (see {@link CalibrationCheck}) on a workload. */
    public static ObjectNode calibrationCheck(Workload workload, Calibration cal, Embedder model, long seed) {
        List<WorkItem> all = new ArrayList<>(workload.history());
        all.addAll(workload.online());
        CachingEmbedder embedder = new CachingEmbedder(model, 2 * all.size() + 1);
        embedOnce(embedder, all.stream().map(i -> EmbeddingText.of(request(i.text()))).toList(), n -> { });
        ObjectNode out = CalibrationCheck.measure(cal, kindOf(workload), worldItems(workload.history(), embedder),
                worldItems(workload.online(), embedder), seed);
        out.put("workload", workload.name());
        out.put("kind", kindOf(workload).name().toLowerCase(Locale.ROOT));
        return out;
    }

    /**
     * Embeds every workload text once up front, in fixed batches, into a cache large enough to keep
     * them all: every policy then sees identical vectors (the int8 model's vectors shift slightly
     * with batch companions) and none pays the model's time again. Reports texts done per batch.
     */
    private static void embedOnce(CachingEmbedder cache, List<String> texts, IntConsumer progress) {
        for (int i = 0; i < texts.size(); i += EMBED_BATCH) {
            int end = Math.min(texts.size(), i + EMBED_BATCH);
            cache.embedAll(texts.subList(i, end));
            progress.accept(end);
        }
    }

    /** Chat-like (arena prompts) or QA-like: they differ in model capabilities. */
    static World.Kind kindOf(Workload w) {
        return w.name().startsWith("arena") ? World.Kind.CHAT : World.Kind.QA;
    }

    private static BackendConfig backendConfig(String name, BackendRole role, double cost, ServerModel server) {
        return new BackendConfig(name, null, name, null, role, cost, server.profile().contextWindow(),
                Math.max(1, server.capacity()), 0, 0, 0, 0, 0, server.profile().name(), 1);
    }

    /**
     * The bank every policy of a seed starts from: the history's large-model answers admitted
     * through iccache's own admission (scrubbing, near-duplicate merging), in history order.
     */
    private List<Example> seedBank(World.Truth truth, long seed) {
        World world = world(truth, List.of());
        EventLoop loop = new EventLoop(EPOCH);
        InMemoryExampleStore store = new InMemoryExampleStore();
        try (ExampleAdmitter admitter = new ExampleAdmitter(embedder, store, settings.bank(),
                Scrubber.from(ScrubberSettings.DEFAULT), UserPseudonyms.generate(new SplittableRandom(0)), loop.clock(),
                new Metrics(), Thread.ofVirtual().factory(), Policies.ids("bank-"))) {
            List<Candidate> candidates = new ArrayList<>();
            for (int i = 0; i < historySize; i++) {
                World.Response answer = world.responseIn("\u27e6sim#" + i + "\u27e7").orElseThrow();
                candidates.add(new Candidate(Tenant.DEFAULT, request(items.get(i).text()), answer.text(),
                        Policies.LARGE, Optional.of("stop"), 0, answer.tokens(), OptionalDouble.empty()));
            }
            admitter.admitAll(candidates);
        }
        List<Example> bank = new ArrayList<>();
        store.forEach(Optional.empty(), bank::add);
        bank.sort(Comparator.comparing(Example::id, Comparator.comparingLong(
                id -> Long.parseLong(id.substring("bank-".length())))));
        progress.printf("bank seeded: %d examples from %d history requests%n", bank.size(), historySize);
        return List.copyOf(bank);
    }

    /** The client's request for a text: one user turn to the virtual model. */
    static ChatRequest request(String text) {
        ObjectNode body = Json.object();
        body.put("model", VIRTUAL);
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return ChatRequest.of(body);
    }

    private PolicyRun runPolicy(String name, OptionalDouble setting, World.Truth truth, List<Example> bank,
            Schedule schedule, long seed) {
        Setup s = setup(name, truth, schedule, seed);
        Path work;
        try {
            work = Files.createTempDirectory("iccache-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        double timeScale = s.timeScale();
        InstantSource traceClock = () -> EPOCH.plusNanos(Math.round(s.loop().nanos() / timeScale));
        Assembly.Runtime rt = new Assembly.Runtime(traceClock, s.loop().ticker(), s.executor(), s.executor(),
                s.executor(), s.executor(), seed ^ POLICY_STREAM);
        PolicyContext ctx = new PolicyContext(s.config(), embedder, bank, s.backends(), s.judge(), s.history(), rt,
                work, timeScale);
        PolicyRun result = new PolicyRun(name, Policies.NAMES.get(name), Policies.cluster(name),
                schedule.arrivals().size());
        World world = s.world();
        try (Policy policy = Policies.create(name, ctx, setting)) {
            List<Arrival> arrivals = schedule.arrivals();
            double cacheHit = cal.number("cluster.cache-hit-latency-s");
            double feedbackRate = cal.number("users.feedback-rate");
            double userNoise = cal.number("users.noise");
            for (int i = 0; i < arrivals.size(); i++) {
                int index = i;
                int item = historySize + i;
                s.loop().at(arrivals.get(i).atSeconds(), () -> {
                    String id = "resp-" + index;
                    ChatRequest request = request(items.get(item).text());
                    long cpu0 = cpu.getCurrentThreadCpuTime();
                    Decision d = policy.decide(id, request);
                    result.overhead(index, (cpu.getCurrentThreadCpuTime() - cpu0) / 1e6);
                    result.arrived(index, s.loop().seconds(), s.servers().get(Policies.LARGE).utilisation());
                    if (index % BANK_SAMPLE_EVERY == 0) {
                        policy.bankSize().ifPresent(result::bank);
                    }
                    SplittableRandom user = new SplittableRandom(seed * 31 + index);
                    double q0s = truth.q0Small(item);
                    double q0l = truth.q0Large(item);
                    if (d.cachedAnswer().isPresent()) {
                        String answer = d.cachedAnswer().get();
                        s.loop().after((long) (cacheHit * 1e9), () -> {
                            double q = world.reusedQuality(item, answer);
                            result.completed(index, "cache", cacheHit, cacheHit, q, q, q0s, q0l, 0);
                            result.visible(index, Wins.visible(truth.item(item).vector(), List.of()));
                            policy.served(id, request, d, answer, 0, 0);
                            feedback(policy, id, q, user, feedbackRate, userNoise);
                        });
                        return;
                    }
                    String model = d.model().orElseThrow();
                    int prompt = SimulatedBackend.estimatePromptTokens(d.upstream());
                    s.servers().get(model).submit(prompt, world.outputTokens(item), t -> {
                        World.Response r = world.generate(d.upstream(), model);
                        result.completed(index, model, t.latencySeconds(), t.ttftSeconds(), r.quality(), r.expected(),
                                q0s, q0l, d.examples());
                        result.visible(index, Wins.visible(truth.item(item).vector(), world.examplesIn(d.upstream())
                                .stream().map(e -> truth.item(e.item()).vector()).toList()));
                        policy.served(id, request, d, r.text(), prompt, r.tokens());
                        feedback(policy, id, r.quality(), user, feedbackRate, userNoise);
                    });
                });
            }
            s.loop().run();
            policy.bankSize().ifPresent(result::bank);
            policy.setting().ifPresent(result::setting);
        }
        double gpu = 0;
        for (ServerModel m : s.servers().values()) {
            gpu += m.gpuSeconds();
        }
        result.finish(gpu, s.judge().verdicts(), new SimJudge(world, cal, seed ^ 0x53434F52L, Optional.empty()),
                seed ^ 0x53434F52L);
        return result;
    }

    private static void feedback(Policy policy, String id, double quality, SplittableRandom user, double rate,
            double noise) {
        if (user.nextDouble() < rate) {
            policy.feedback(id, quality + noise * user.nextGaussian() >= 0.5);
        }
    }

    /** Writes {@code results.json} and {@code report.html} into {@code dir}; returns the terminal table. */
    public static String write(ObjectNode results, Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("results.json"),
                    Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + dir + ": " + e.getMessage(), e);
        }
        ReportHtml.write(results, dir.resolve("report.html"));
        return ResultsTable.render(results);
    }
}
