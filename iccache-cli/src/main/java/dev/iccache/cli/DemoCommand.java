package dev.iccache.cli;

import dev.iccache.config.BankConfig;
import dev.iccache.sim.arrivals.ArrivalSpec;
import dev.iccache.sim.bench.Bench;
import dev.iccache.sim.policy.Policies;
import dev.iccache.workload.DataDirectory;
import dev.iccache.workload.Workloads;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job: a short bench run (nq-open questions at the Azure LLM trace's arrival times, "
                + "scaled to 1.3x the large tier's capacity) of every policy on simulated backends, judge and users, "
                + "with the real iccache pipeline.",
            "Prints the comparison table (SIMULATED, with its seed) and the path of the HTML report."})
final class DemoCommand implements Callable<Integer> {
    static final int HISTORY = 1500;
    static final int ONLINE = 1500;
    /** The trace's mean rate against the large tier's capacity: a busy hour, where offloading matters. */
    static final double LOAD = 1.3;

    @Spec
    CommandSpec spec;

    @Mixin
    SimOptions sim;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "demo-out",
            description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        DataDirectory dir = sim.dataDirectory();
        var workload = new Workloads(dir).load("nq-open", sim.seed).limit(HISTORY, ONLINE);
        BankConfig bank = BankConfig.DEFAULT.withStore("memory");
        Bench.Settings settings = new Bench.Settings(workload, ArrivalSpec.parse("azure"), Policies.ORDER,
                sim.seeds(1), sim.calibration(null), bank, "iccache demo --seed " + sim.seed
                        + " (= iccache bench --workload nq-open --max-history " + HISTORY + " --max-online " + ONLINE
                        + " --arrivals azure --load " + LOAD + " --policies all --frontier --no-capacity --seed "
                        + sim.seed + ")", true, OptionalDouble.of(LOAD), workload.history().size(), 0);
        return BenchCommand.run(settings, dir, out, spec);
    }
}
