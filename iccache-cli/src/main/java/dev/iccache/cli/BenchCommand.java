package dev.iccache.cli;

import dev.iccache.config.BankConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.sim.arrivals.ArrivalSpec;
import dev.iccache.sim.bench.Bench;
import dev.iccache.sim.policy.Policies;
import dev.iccache.workload.DataDirectory;
import dev.iccache.workload.Workload;
import dev.iccache.workload.Workloads;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Replay a workload through every policy on simulated backends, judge and users in virtual "
                + "time, with the real embedder, store, selector, router and manager (EVALUATION.md §2).",
            "Writes OUT/results.json and OUT/report.html and prints the comparison table. Every number is SIMULATED."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SimOptions sim;

    @Option(names = "--workload", paramLabel = "NAME", description = "A named workload: ${COMPLETION-CANDIDATES}.",
            completionCandidates = WorkloadNames.class)
    String workload;

    @Option(names = "--workload-file", paramLabel = "PATH", description = "Any JSONL or CSV file instead of a named "
            + "workload (first half history, rest online).")
    Path workloadFile;

    @Option(names = "--text-field", paramLabel = "NAME", description = "With --workload-file: the request text field.")
    String textField;

    @Option(names = "--answer-field", paramLabel = "NAME",
            description = "With --workload-file: the gold answer field (optional).")
    String answerField;

    @Option(names = "--arrivals", paramLabel = "SPEC", defaultValue = "azure",
            description = "azure, azure-code, poisson:RATE or sweep:R1,R2,... (default ${DEFAULT-VALUE}).")
    String arrivals;

    @Option(names = "--policies", paramLabel = "LIST", defaultValue = "all",
            description = "all, or a comma list of: always-large, always-small, small+random-examples, semantic-cache, "
                    + "routellm, routellm-parity, iccache, iccache-parity, iccache-no-proxy, iccache-no-router, "
                    + "iccache-no-replay, iccache-no-loadbias.")
    String policies;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-out",
            description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--calibration", paramLabel = "FILE", description = "World parameters (default: the bundled "
            + "calibration.yaml).")
    Path calibration;

    @Option(names = "--max-history", paramLabel = "N", description = "Use at most N history requests.")
    Integer maxHistory;

    @Option(names = "--max-online", paramLabel = "N", description = "Replay at most N online requests.")
    Integer maxOnline;

    @Option(names = "--bank-max-examples", paramLabel = "N", defaultValue = "0",
            description = "Bank budget in examples for iccache policies (0 = none; eviction keeps it under).")
    long bankMaxExamples;

    @Option(names = "--load", paramLabel = "X", description = "Trace arrivals: mean rate as a fraction of the large "
            + "tier's capacity (default: the calibration's cluster.load).")
    Double load;

    @Option(names = "--frontier", description = "Also run iccache, routellm and semantic-cache at several settings of "
            + "their decision threshold (the quality/throughput frontier; about 12 more runs).")
    boolean frontier;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "1", description = "Runs with seeds S, S+1, ... "
            + "S+N-1; every number is their mean with a 95%% confidence interval (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--history-budget", paramLabel = "N",
            description = "Judged-history verdicts every learning policy gets before a run (default: one per history "
                    + "request).")
    Integer historyBudget;

    @Option(names = "--capacity", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Measure the capacity of always-large, always-small, semantic-cache, routellm, "
                    + "routellm-parity, iccache and iccache-parity: "
                    + "the highest Poisson rate at which 95%% of the online requests finish within the SLO, found by a "
                    + "sweep (about 8 runs each; on by default, --no-capacity skips it).")
    boolean capacity;


    @Override
    public Integer call() {
        if (load != null && !(load > 0)) {
            throw new IllegalArgumentException("--load must be positive, got " + load);
        }
        DataDirectory dir = sim.dataDirectory();
        Workload w = loadWorkload(dir);
        BankConfig bank = new BankConfig(true, "memory", List.of(), BankConfig.DEFAULT.dedupThreshold(), 0,
                BankConfig.DEFAULT.admissionQueue(), bankMaxExamples, 0);
        Bench.Settings settings = new Bench.Settings(w, ArrivalSpec.parse(arrivals), Policies.parse(policies),
                sim.seeds(seeds), sim.calibration(calibration), bank, "iccache " + String.join(" ",
                        spec.commandLine().getParseResult().originalArgs()), frontier,
                load == null ? OptionalDouble.empty() : OptionalDouble.of(load),
                historyBudget == null ? w.history().size() : historyBudget, capacity ? w.online().size() : 0);
        return run(settings, dir, out, spec);
    }

    private Workload loadWorkload(DataDirectory dir) {
        if ((workload == null) == (workloadFile == null)) {
            throw new IllegalArgumentException("give exactly one of --workload NAME or --workload-file PATH");
        }
        Workload w;
        if (workloadFile != null) {
            if (textField == null) {
                throw new IllegalArgumentException("--workload-file needs --text-field");
            }
            w = Workloads.fromFile(workloadFile, textField, Optional.ofNullable(answerField), 0.5);
        } else {
            w = new Workloads(dir).load(workload, sim.seed);
        }
        return w.limit(maxHistory == null ? Integer.MAX_VALUE : maxHistory,
                maxOnline == null ? Integer.MAX_VALUE : maxOnline);
    }

    /** Runs a bench and prints its table and where its files are. */
    static int run(Bench.Settings settings, DataDirectory dir, Path out, CommandSpec spec) {
        var err = spec.commandLine().getErr();
        var stdout = spec.commandLine().getOut();
        err.println("SIMULATED run, pair " + settings.calibration().pair() + ", seeds " + settings.seeds()
                + ", calibration " + settings.calibration().source());
        err.println(settings.calibration().tree().toPrettyString());
        try (Embedder embedder = Embedders.create(EmbedderSettings.DEFAULT)) {
            PrintStream progress = new PrintStream(new OutputStream() {
                @Override
                public void write(int b) {
                    err.write(b);
                }

                @Override
                public void flush() {
                    err.flush();
                }
            }, true, StandardCharsets.UTF_8);
            var results = new Bench(settings, embedder, dir, progress).run();
            String table = Bench.write(results, out);
            stdout.print(table);
            stdout.println("results: " + out.resolve("results.json"));
            stdout.println("report:  " + out.resolve("report.html"));
            stdout.flush();
        }
        return 0;
    }

    /** Named workloads for the help text. */
    static final class WorkloadNames extends ArrayList<String> {
        WorkloadNames() {
            super(Workloads.NAMES.keySet());
        }
    }
}
