package dev.iccache.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.bank.Example;
import dev.iccache.config.BackendRole;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.TenantConfig;
import dev.iccache.gateway.Assembly;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.gateway.WarmStart;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.LlmJudge;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.server.Backends;
import dev.iccache.server.ExampleBank;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.time.Ticker;
import dev.iccache.time.SimClock;
import dev.iccache.trace.Tracing;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code iccache train --budget N [--domain D]}: the warm start (docs/selection.md) on the history
 * of one domain (the examples of its tenants; the default domain unless {@code --domain} names
 * another), through the configured backends and judge, offline (the gateway must not be running:
 * the store admits one process). Saves the domain's utility model, threshold tuner and router
 * bandit where {@code serve} loads them ({@code data-dir/learned/<domain>/}), every {@link #CHUNK}
 * history requests, with the requests done in {@code train-state.json} beside them, so that a
 * second run resumes where the first stopped.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Warm-start selection and routing from the bank's history: selection probes (examples vs none "
                + "on the small model) and router priors (small with examples vs the history's large answer), judged, "
                + "within a judgment budget. Resumable; serve starts from what it saved.")
final class TrainCommand implements Callable<Integer> {
    /** History requests between two saves. */
    static final int CHUNK = 25;
    /** Judgments without any verdict after which the judge is taken to be broken. */
    static final int JUDGE_PATIENCE = 10;

    @Mixin
    BankOptions bank;

    @Option(names = "--budget", required = true, paramLabel = "N", description = "Judgments to spend at most (each "
            + "is two judge calls, one per order).")
    int budget;

    @Option(names = "--domain", paramLabel = "D", defaultValue = "default",
            description = "The domain to train: its tenants' examples are the history, and its learned state is what "
                    + "is saved (default: ${DEFAULT-VALUE}, the domain of a gateway without tenants).")
    String domain;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Orders the history and seeds the probes (default ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (budget < 1) {
            throw new IllegalArgumentException("--budget must be at least 1, got " + budget);
        }
        IccacheConfig config = bank.load();
        Set<String> tenants = domainTenants(config);
        LearnedFiles files = new LearnedFiles(config.dataDir());
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        Metrics metrics = new Metrics();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        List<BoundedBackend> backends = Backends.create(config, new BackendMetrics(metrics), System::getenv, watchdog,
                seed, SimClock.REAL, Tracing.NOOP);
        try (ExampleBank examples = ExampleBank.open(config, metrics, System::getenv)) {
            BoundedBackend small = Assembly.byName(backends, WarmStart.first(config, BackendRole.SMALL).name());
            BoundedBackend large = Assembly.byName(backends, WarmStart.first(config, BackendRole.LARGE).name());
            Path stateFile = files.file(domain, LearnedFiles.TRAINING);
            Set<String> done = doneIds(files.toLoad(domain, LearnedFiles.TRAINING));
            List<Example> history = new ArrayList<>();
            for (String tenant : tenants) {
                examples.store().forEach(Optional.of(tenant), e -> {
                    if (!done.contains(e.id())) {
                        history.add(e);
                    }
                });
            }
            history.sort(java.util.Comparator.comparing(Example::id));
            Collections.shuffle(history, new Random(seed));
            if (history.isEmpty()) {
                throw new IllegalStateException(done.isEmpty()
                        ? "the bank in " + config.dataDir() + " has no examples of domain '" + domain + "' (tenants "
                                + tenants + "): import history first (iccache import FILE)"
                        : "every history request of domain '" + domain + "' was trained on already (" + done.size()
                                + "; see " + stateFile + ")");
            }
            // Learning runs inline, so that what is saved after a chunk includes every label of it.
            Assembly.Runtime rt = new Assembly.Runtime(InstantSource.system(), Ticker.SYSTEM, watchdog,
                    Executors.newVirtualThreadPerTaskExecutor(), Runnable::run, Runnable::run, seed);
            InContextAugmenter augmenter = Assembly.augmenter(config, examples.store(), examples.embedder(),
                    file -> Assembly.utilityModel(config, file), files, rt, metrics);
            LlmJudge judge = new LlmJudge(Assembly.byName(backends, config.judgeModel()));
            Optional<ModelRouting> routing = config.router().enabled() && backends.size() > 1
                    ? Optional.of(Assembly.routing(config, examples.embedder(), judge, files, rt, metrics))
                    : Optional.empty();
            WarmStart warm = new WarmStart(config, domain, tenants, augmenter, routing, small, large, judge, rt,
                    metrics);
            int used = 0;
            int probes = 0;
            int router = 0;
            int noVerdict = 0;
            long start = System.nanoTime();
            for (int from = 0; from < history.size() && used < budget; from += CHUNK) {
                List<Example> chunk = history.subList(from, Math.min(history.size(), from + CHUNK));
                List<String> ids = new ArrayList<>();
                WarmStart.Report r = warm.run(chunk, budget - used, e -> ids.add(e.id()));
                used += r.judgmentsUsed();
                probes += r.probes();
                router += r.routerJudgments();
                noVerdict += r.noVerdicts();
                if (probes + router == 0 && noVerdict >= JUDGE_PATIENCE) {
                    throw new IllegalStateException("the judge '" + config.judgeModel() + "' gave no verdict in "
                            + noVerdict + " judgments (is it reachable and does it answer with a score?); nothing "
                            + "was saved");
                }
                augmenter.checkpoint();
                routing.ifPresent(m -> m.routers().checkpoint());
                done.addAll(ids);
                saveState(stateFile, done);
                double seconds = (System.nanoTime() - start) / 1e9;
                err.printf(Locale.ROOT, "\r[%-30s] %,d/%,d judgments, %,d requests, %,d probes, %,d router priors, "
                        + "%,d without verdict, %.0f s", "#".repeat((int) (30.0 * used / budget)), used, budget,
                        from + ids.size(), probes, router, noVerdict, seconds);
                err.flush();
            }
            err.println();
            augmenter.close();
            out.printf("trained domain '%s' on %d history requests: %d selection probes, %d router priors, %d "
                    + "judgments of %d; %d without verdict; saved in %s%n", domain, done.size(), probes, router, used,
                    budget, noVerdict, files.directory(domain));
            out.flush();
        } finally {
            backends.forEach(BoundedBackend::close);
            watchdog.shutdownNow();
        }
        return 0;
    }

    /**
     * The tenants of the domain to train. With tenants configured, a domain none of them is in would
     * teach a state no request uses: that is refused, naming the configured domains.
     */
    private Set<String> domainTenants(IccacheConfig config) {
        boolean configured = config.tenants().stream().anyMatch(t -> t.domain().equals(domain));
        if (!config.tenants().isEmpty() && !configured) {
            throw new IllegalArgumentException("no configured tenant is in domain '" + domain + "'; name one of "
                    + config.tenants().stream().map(TenantConfig::domain).distinct().sorted().toList()
                    + " with --domain");
        }
        return config.domainTenants(domain);
    }

    private static Set<String> doneIds(Path file) {
        Set<String> done = new HashSet<>();
        Json.readState(file, "training state", "start training afresh")
                .ifPresent(root -> root.path("done").forEach(n -> done.add(n.asText())));
        return done;
    }

    private static void saveState(Path file, Set<String> done) {
        ObjectNode root = Json.object();
        ArrayNode ids = root.putArray("done");
        done.stream().sorted().forEach(ids::add);
        Json.writeAtomically(file, root);
    }
}
