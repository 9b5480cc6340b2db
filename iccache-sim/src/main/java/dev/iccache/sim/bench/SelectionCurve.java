package dev.iccache.sim.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.CachingEmbedder;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbeddingText;
import dev.iccache.gateway.Assembly;
import dev.iccache.metrics.Metrics;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.Selection;
import dev.iccache.select.SelectionProbe;
import dev.iccache.select.TokenCounter;
import dev.iccache.sim.engine.EventLoop;
import dev.iccache.sim.engine.SimExecutor;
import dev.iccache.sim.world.Calibration;
import dev.iccache.sim.world.SimJudge;
import dev.iccache.sim.world.World;
import dev.iccache.sim.world.WorldBackend;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Tenant;
import dev.iccache.workload.WorkItem;
import dev.iccache.workload.Workload;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;

/**
 * The learning curve of example selection in the simulated world (SIMULATED): how much of the
 * small/large gap the production selector closes on the online requests after it has learned from
 * N exploration probes on the history (each with the bank minus the request's own example, as the
 * warm start runs them), for several N; beside it, the similarity top 5 and the hidden-truth
 * oracle (the 5 most helpful of the candidates) on the same requests. Gap closed uses expected
 * qualities (no generation noise). Reads hidden truth to score: an evaluation, not a policy.
 *
 * <p>With {@code truthLabels} (a diagnostic) the selector learns instead from noise-free labels read
 * from the hidden truth: single-example probes of one random candidate of a history request,
 * labelled with the judge's expected score of its gain (no judge or generation noise), taught as a
 * probe is (the utility model and the example's own record). What selection then closes is the
 * ceiling of what its features and records can learn from that many labels; nothing else sees
 * these labels.
 */
public final class SelectionCurve {
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
    private static final String SMALL = "small";
    private static final String LARGE = "large";

    private SelectionCurve() {
    }

    /**
     * @param labels   probe counts to learn from (each point starts afresh)
     * @param evaluate online requests scored at each point
     */
    public static ObjectNode run(Workload workload, Calibration cal, Embedder model, long seed, List<Integer> labels,
            int evaluate, boolean truthLabels, PrintStream progress) {
        List<WorkItem> all = new ArrayList<>(workload.history());
        all.addAll(workload.online());
        int history = workload.history().size();
        CachingEmbedder embedder = new CachingEmbedder(model, 2 * all.size() + 1);
        List<World.Item> items = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 64) {
            List<WorkItem> batch = all.subList(i, Math.min(all.size(), i + 64));
            List<float[]> vectors = embedder.embedAll(batch.stream().map(w -> EmbeddingText.of(Bench.request(
                    w.text()))).toList());
            for (int k = 0; k < batch.size(); k++) {
                WorkItem w = batch.get(k);
                items.add(new World.Item(w.text(), w.answers(), w.recordedSmall(), w.recordedLarge(), vectors.get(k)));
            }
        }
        World.Truth truth = World.Truth.of(cal, Bench.kindOf(workload), items, seed);
        ObjectNode out = Json.object();
        out.put("simulated", true);
        out.put("pair", cal.pair());
        out.put("workload", workload.name());
        out.put("seed", seed);
        out.put("labels_from", truthLabels ? "hidden truth, noise-free (diagnostic)" : "judged exploration probes");
        out.put("evaluated_requests", Math.min(evaluate, all.size() - history));
        ArrayNode points = out.putArray("points");
        for (int n : labels) {
            points.add(point(truth, cal, all, history, n, evaluate, seed, truthLabels));
            progress.printf("selection curve: %d probe labels done%n", n);
        }
        return out;
    }

    private static ObjectNode point(World.Truth truth, Calibration cal, List<WorkItem> all, int history, int labels,
            int evaluate, long seed, boolean truthLabels) {
        World world = new World(truth, SMALL);
        InMemoryExampleStore store = new InMemoryExampleStore();
        for (int i = 0; i < history; i++) {
            World.Response r = world.generate(i, LARGE, List.of());
            ChatRequest request = Bench.request(all.get(i).text());
            store.put(new Example("h" + i, Tenant.DEFAULT.name(), request.messages().toString(), all.get(i).text(),
                    truth.item(i).vector(), r.text(), LARGE, OptionalDouble.empty(), 20, r.tokens(), EPOCH,
                    Optional.empty(), ExampleStats.fresh(EPOCH)));
        }
        BackendConfig small = new BackendConfig(SMALL, null, SMALL, null, BackendRole.SMALL, 1, 8192, 64, 0, 0, 0, 0, 0,
                SMALL, 1);
        BackendConfig large = new BackendConfig(LARGE, null, LARGE, null, BackendRole.LARGE, 7, 8192, 64, 0, 0, 0, 0, 0,
                LARGE, 1);
        IccacheConfig config = IccacheConfig.builder().virtualModel(Bench.VIRTUAL).defaultModel(LARGE)
                .backends(List.of(small, large)).build();
        EventLoop loop = new EventLoop(EPOCH);
        SimExecutor executor = new SimExecutor(loop);
        Assembly.Runtime rt = new Assembly.Runtime(loop.clock(), loop.ticker(), executor, executor, executor, executor,
                seed);
        Metrics metrics = new Metrics();
        LearnedFiles files;
        try {
            files = new LearnedFiles(Files.createTempDirectory("iccache-curve-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Embedder stored = new Embedder() {
            @Override
            public int dimension() {
                return truth.item(0).vector().length;
            }

            @Override
            public List<float[]> embedAll(List<String> texts) {
                throw new UnsupportedOperationException("every vector here is precomputed");
            }
        };
        InContextAugmenter augmenter = Assembly.augmenter(config, store, stored,
                file -> Assembly.utilityModel(config, file), files, rt, metrics);
        String domain = Tenant.DEFAULT.domain();
        WorldBackend smallModel = new WorldBackend(small, world, Optional.empty());
        SelectionProbe probe = Assembly.probe(augmenter, new SimJudge(world, cal, seed ^ 0x4A554447L,
                Optional.empty()), rt, metrics);
        TokenCounter tokens = TokenCounter.cl100k();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < history; i++) {
            order.add(i);
        }
        Random random = new Random(seed);
        Collections.shuffle(order, random);
        double scale = cal.number("judge.score-scale");
        int done = 0;
        for (int k = 0; done < labels && history > 0; k++) {
            int i = order.get(k % history);
            ChatRequest request = Bench.request(all.get(i).text());
            String own = "h" + i;
            Selection s = augmenter.select(domain, request, truth.item(i).vector(), tokens.countRequest(request),
                    Tenant.DEFAULT.scope(), small, own::equals);
            if (s.scored().isEmpty()) {
                continue;
            }
            if (truthLabels) {
                Selection.Scored x = s.scored().get(random.nextInt(s.scored().size()));
                double gain = world.expectedQuality(i, SMALL, List.of(response(world, x.candidate().response())))
                        - world.baseQuality(i, SMALL);
                augmenter.probed(domain, SMALL, List.of(x), List.of(), 0.5 + Math.tanh(gain / scale) / 2);
            } else {
                probe.run(request, smallModel, probe.plan(domain, s));
            }
            done++;
            if (done % 50 == 0) {
                flush(loop);
            }
        }
        flush(loop);
        double alone = 0;
        double large0 = 0;
        double[] sums = new double[4]; // learned at tau in force, learned at 0.5, similar top 5, oracle
        double withExamples = 0;
        int n = 0;
        double hMin = cal.number("uplift.h-min");
        for (int o = history; o < Math.min(all.size(), history + evaluate); o++) {
            ChatRequest request = Bench.request(all.get(o).text());
            int item = o;
            Selection s = augmenter.select(domain, request, truth.item(o).vector(), tokens.countRequest(request),
                    Tenant.DEFAULT.scope(), small, id -> false);
            List<World.Response> chosen = responses(world, s.chosen());
            List<World.Response> neutral = responses(world, augmenter.selector().combine(s.scored(), 0.5,
                    s.budgetTokens()));
            List<World.Response> similar = s.scored().stream()
                    .sorted(Comparator.comparingDouble((Selection.Scored x) -> -x.candidate().similarity()))
                    .limit(5).map(x -> response(world, x.candidate().response())).toList();
            List<World.Response> oracle = s.scored().stream().map(x -> response(world, x.candidate().response()))
                    .filter(r -> world.helpfulness(item, r) >= hMin)
                    .sorted(Comparator.comparingDouble((World.Response r) -> -world.helpfulness(item, r)))
                    .limit(5).toList();
            alone += world.baseQuality(o, SMALL);
            large0 += world.baseQuality(o, LARGE);
            sums[0] += world.expectedQuality(o, SMALL, chosen);
            sums[1] += world.expectedQuality(o, SMALL, neutral);
            sums[2] += world.expectedQuality(o, SMALL, similar);
            sums[3] += world.expectedQuality(o, SMALL, oracle);
            withExamples += chosen.isEmpty() ? 0 : 1;
            n++;
        }
        double gap = large0 - alone;
        ObjectNode p = Json.object();
        p.put("labels", labels);
        p.put("tau", augmenter.tuner(domain).threshold());
        p.put("gap_closed_learned", (sums[0] - alone) / gap);
        p.put("gap_closed_learned_tau_0_5", (sums[1] - alone) / gap);
        p.put("gap_closed_similar", (sums[2] - alone) / gap);
        p.put("gap_closed_oracle", (sums[3] - alone) / gap);
        p.put("with_examples_ratio", withExamples / Math.max(1, n));
        return p;
    }

    private static void flush(EventLoop loop) {
        loop.at(loop.seconds() + 2, () -> { }); // lets the statistics flushes (every second) run
        loop.run();
    }

    private static List<World.Response> responses(World world, List<Selection.Chosen> chosen) {
        return chosen.stream().map(c -> response(world, c.response())).toList();
    }

    private static World.Response response(World world, String text) {
        return world.responseIn(text).orElseThrow(() -> new IllegalStateException("not a response of this world"));
    }
}
