package dev.iccache.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.backend.ModelBackend;
import dev.iccache.backend.http.HttpModelBackend;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.BackendRole;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.eval.GoldAnswerBank;
import dev.iccache.eval.LatencyMeasurement;
import dev.iccache.models.LocalModel;
import dev.iccache.models.ModelServer;
import dev.iccache.models.ModelsConfig;
import dev.iccache.time.SimClock;
import dev.iccache.time.Ticker;
import dev.iccache.workload.WorkItem;
import dev.iccache.workload.Workload;
import dev.iccache.workload.Workloads;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code iccache eval latency}: real TTFT and decode rate against the examples in the prompt; see docs/evaluation.md. */
@Command(name = "latency", mixinStandardHelpOptions = true,
        description = "Real time to first token and decode rate of a model server (./iccache models start) for prompts"
            + " with 0..N nearest nq-open examples, next to the simulated backend's latency model.")
final class EvalLatencyCommand implements Callable<Integer> {
    @Mixin
    EvalOptions options;

    @Mixin
    ModelsOptions models;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL", description = "The model (default: the first small model).")
    String model;

    @Option(names = "--examples", paramLabel = "LIST", split = ",", defaultValue = "0,1,2,3,4,5",
            description = "Example counts (default ${DEFAULT-VALUE}).")
    int[] counts;

    @Option(names = "--questions", paramLabel = "N", defaultValue = "10",
            description = "nq-open questions measured per count (default ${DEFAULT-VALUE}).")
    int questions;

    @Option(names = "--output-tokens", paramLabel = "N", defaultValue = "64",
            description = "Tokens generated per call (default ${DEFAULT-VALUE}).")
    int outputTokens;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (questions < 1 || outputTokens < 2 || counts.length == 0 || Arrays.stream(counts).anyMatch(k -> k < 0)) {
            throw new IllegalStateException("--questions must be positive, --output-tokens at least 2 and --examples"
                    + " a list of counts >= 0");
        }
        ModelsConfig config = models.config();
        LocalModel m = model != null ? config.model(model) : config.first(BackendRole.SMALL)
                .orElseThrow(() -> new IllegalStateException("the models file has no small model; give --model"));
        if (!ModelServer.listening(m.port())) {
            throw new IllegalStateException("the server of " + m.name() + " does not answer on port " + m.port()
                    + "; start the models with ./iccache models start");
        }
        Workload w = new Workloads(options.dataDirectory()).load("nq-open", 42);
        List<String> texts = w.online().subList(0, Math.min(questions, w.online().size())).stream()
                .map(WorkItem::text).toList();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iccache-eval-watchdog");
            t.setDaemon(true);
            return t;
        });
        ObjectNode result;
        try (Embedder embedder = Embedders.create(EmbedderSettings.DEFAULT);
                ModelBackend backend = new HttpModelBackend(m.backend("http://" + ModelServer.HOST + ":" + m.port()
                        + "/v1"), name -> null, watchdog, SimClock.REAL)) {
            InMemoryExampleStore bank = new InMemoryExampleStore();
            int size = GoldAnswerBank.fill(w.history(), embedder, bank, err).size();
            err.printf("%s: %d nq-open questions per count, %d output tokens, examples from a bank of %d%n", m.name(),
                    texts.size(), outputTokens, size);
            result = new LatencyMeasurement(backend, bank, embedder, Ticker.SYSTEM, err).run(texts, counts,
                    outputTokens, EvalUpliftCommand.SYSTEM_PROMPTS.get("nq-open"), 42);
        } finally {
            watchdog.shutdownNow();
        }
        out.printf("%s: TTFT and decode rate against examples in the prompt (real) vs the simulated backend%n",
                result.path("model").asText());
        out.printf("  %8s %13s %14s %9s %7s %12s %13s %9s%n", "examples", "prompt tok.", "example tok.", "TTFT ms",
                "x base", "decode t/s", "sim TTFT ms", "sim x");
        result.path("rows").forEach(r -> out.printf(java.util.Locale.ROOT, "  %8d %13.0f %14.0f %9.0f %7.2f %12.1f %13.0f %9.2f%n",
                r.path("examples").asInt(), r.path("prompt_tokens").asDouble(), r.path("example_tokens").asDouble(),
                r.path("ttft_ms_p50").asDouble(), r.path("ttft_ratio").asDouble(),
                r.path("decode_tokens_per_s_p50").asDouble(), r.path("simulated_ttft_ms").asDouble(),
                r.path("simulated_ttft_ratio").asDouble()));
        out.flush();
        options.write(result, out, err);
        return 0;
    }
}
