package dev.iccache.sim.policy;

import dev.iccache.admission.Candidate;
import dev.iccache.admission.ExampleAdmitter;
import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Example;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.embed.EmbeddingText;
import dev.iccache.eval.NearestNeighbours;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.Judge;
import dev.iccache.scrub.Scrubber;
import dev.iccache.tenant.Tenant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code semantic-cache} (GPTCache-style): returns the stored answer of the nearest earlier request
 * when its cosine is at least a threshold, else asks the large model and caches its answer (through
 * iccache's own admission, so the cache holds what the bank would). The threshold is tuned with the
 * judged-history budget: for history requests in a seeded order, among those whose
 * neighbour is at least the grid's lowest threshold, the nearest other history request's answer is
 * judged against its own (one verdict each); the threshold is the lowest on a grid at which the
 * judged share of acceptable hits (win or tie) is at least the quality floor iccache's router
 * guards ({@code router.quality-floor}).
 */
final class SemanticCache implements Policy {
    static final double[] GRID = {0.70, 0.75, 0.80, 0.85, 0.88, 0.90, 0.92, 0.94, 0.96, 0.98};

    private final InMemoryExampleStore store = new InMemoryExampleStore();
    private final PolicyContext ctx;
    private final ExampleAdmitter admitter;
    private final String large;
    private final double threshold;

    /** @param threshold a fixed threshold (a frontier point) instead of the tuned one */
    SemanticCache(PolicyContext ctx, String large, OptionalDouble threshold) {
        this.ctx = ctx;
        this.large = large;
        store.putAll(ctx.bank());
        this.admitter = new ExampleAdmitter(ctx.embedder(), store, ctx.config().bank(), Scrubber.from(ctx.config().scrub()),
                UserPseudonyms.generate(new SplittableRandom(ctx.runtime().seed())), ctx.runtime().clock(),
                new Metrics(), Thread.ofVirtual().factory(), Policies.ids("cached-"));
        this.threshold = threshold.isPresent() ? threshold.getAsDouble() : tune(ctx);
    }

    @Override
    public Optional<String> setting() {
        return Optional.of("similarity threshold " + threshold);
    }

    private static double tune(PolicyContext ctx) {
        List<Example> bank = ctx.bank();
        NearestNeighbours.Neighbour[] nearest = new NearestNeighbours(InMemoryExampleStore::new)
                .nearestOther(bank.stream().map(Example::vector).toList());
        List<double[]> pairs = new ArrayList<>(); // {similarity, acceptable 0/1}
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < bank.size(); i++) {
            if (nearest[i].index() >= 0 && nearest[i].similarity() >= GRID[0]) {
                order.add(i);
            }
        }
        java.util.Collections.shuffle(order, new java.util.Random(ctx.runtime().seed() ^ 0x5343L));
        Judge judge = ctx.history().judge();
        for (int i : order) {
            if (ctx.history().remaining() == 0) {
                break;
            }
            Example e = bank.get(i);
            OptionalDouble s = judge.compare(e.request(ctx.config().virtualModel()),
                    bank.get(nearest[i].index()).response(), e.response());
            if (s.isPresent()) {
                pairs.add(new double[] {nearest[i].similarity(), Judge.atLeastAsGood(s.getAsDouble()) ? 1 : 0});
            }
        }
        double floor = ctx.config().router().qualityFloor();
        for (double t : GRID) {
            double hits = 0;
            double ok = 0;
            for (double[] p : pairs) {
                if (p[0] >= t) {
                    hits++;
                    ok += p[1];
                }
            }
            if (hits > 0 && ok / hits >= floor) {
                return t;
            }
        }
        return 1.01; // never hit: no threshold was acceptable
    }

    @Override
    public Decision decide(String responseId, ChatRequest request) {
        float[] v = ctx.embedder().embed(EmbeddingText.of(request));
        List<SearchHit> hits = store.search(v, Set.of(Tenant.DEFAULT.name()), 1, ctx.runtime().clock().instant());
        if (!hits.isEmpty() && hits.get(0).score() >= threshold) {
            return Decision.cached(request, hits.get(0).example().response());
        }
        return Decision.to(large, request, 0);
    }

    @Override
    public void served(String responseId, ChatRequest request, Decision decision, String answer, int promptTokens,
            int outputTokens) {
        if (decision.model().isPresent()) {
            admitter.admitAll(List.of(new Candidate(Tenant.DEFAULT, request, answer, large, Optional.of("stop"),
                    promptTokens, outputTokens, OptionalDouble.empty())));
        }
    }

    @Override
    public OptionalLong bankSize() {
        return OptionalLong.of(store.stats().count());
    }

    @Override
    public void close() {
        admitter.close();
    }
}
