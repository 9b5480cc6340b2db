package dev.iccache.cli;

import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.config.IccacheConfig;
import dev.iccache.gateway.Assembly;
import dev.iccache.manage.ExampleReplayer;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.LlmJudge;
import dev.iccache.server.Backends;
import dev.iccache.server.ExampleBank;
import dev.iccache.store.lucene.LuceneExampleStore;
import dev.iccache.time.SimClock;
import dev.iccache.trace.Tracing;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code iccache replay --budget N}: replays the examples with the highest replay gain now, with
 * the configured large model and judge, and reports what it replayed and improved.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Regenerate high-gain examples with the large model (best-of-n, judged) and keep improvements.")
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    BankOptions bank;

    @Option(names = "--budget", required = true, description = "Examples to replay at most.")
    int budget;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        IccacheConfig config = bank.load();
        PrintWriter out = spec.commandLine().getOut();
        Metrics metrics = new Metrics();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        List<BoundedBackend> backends = Backends.create(config, new BackendMetrics(metrics), System::getenv, watchdog,
                42, SimClock.REAL, Tracing.NOOP);
        try (LuceneExampleStore store = LuceneExampleStore.open(ExampleBank.bankDirectory(config))) {
            // Offline: the gateway is not running (the store admits one process), so there is no load to wait for.
            ExampleReplayer replayer = Assembly.replayer(config, store, backends,
                    new LlmJudge(Assembly.byName(backends, config.judgeModel())), () -> 0, Double.POSITIVE_INFINITY,
                    metrics);
            ExampleReplayer.Report report = replayer.run(budget);
            out.printf("%-38s %8s %8s %s%n", "example", "gain", "judge", "result");
            for (ExampleReplayer.Line l : report.lines()) {
                out.printf(Locale.ROOT, "%-38s %8.3f %8.2f %s%n", l.exampleId(), l.gain(), l.judgeScore(),
                        l.improved() ? "improved (response replaced)" : "kept");
            }
            out.printf("replayed %d, improved %d, %d generations with %s (best-of-%d); stopped: %s%n",
                    report.lines().size(), report.improvedCount(), report.generations(), config.replayModel().name(),
                    config.replay().bestOf(), report.stoppedBecause());
            out.flush();
        } finally {
            backends.forEach(BoundedBackend::close);
            watchdog.shutdownNow();
        }
        return 0;
    }
}
