package dev.iccache.select;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.bank.Vectors;
import dev.iccache.config.BackendConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbeddingText;
import dev.iccache.trace.Tracing;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Two-stage example selection (IC-Cache §4.1): the top-M most similar examples of the tenant
 * scope (stage 1), each scored for the target model by the {@link UtilityModel} it is given (the
 * domain's; stage 2), then combined: utility at least τ, no near-duplicates, at most
 * {@code max-examples}, within the token budget left in the target's context. Zero examples is a
 * valid outcome.
 */
public final class ExampleSelector {
    /** Examples whose token cost is remembered (about 100 bytes each). */
    static final int COSTS_REMEMBERED = 200_000;

    private final ExampleStore store;
    private final Embedder embedder;
    private final TokenCounter tokens;
    private final SelectionSettings settings;
    private final ToDoubleFunction<String> modelCost;
    private final InstantSource clock;
    private final BankClusters clusters;
    /** A stage-1 hit and its example's parsed messages. */
    private record Candidate(SearchHit hit, ArrayNode messages) {
    }

    /** Token cost by example id, with the hash of the texts it was counted from (a replay changes the answer). */
    private final Cache<String, long[]> costs = Caffeine.newBuilder().maximumSize(COSTS_REMEMBERED).build();
    private final Tracing tracing;

    /**
     * @param modelCost relative cost of a model by name, NaN when unknown (imported examples)
     * @param clusters  the bank's clusters, in which the utility model learns per region
     * @param tracing   spans of the request's embedding and the bank search
     */
    public ExampleSelector(ExampleStore store, Embedder embedder, TokenCounter tokens, SelectionSettings settings,
            ToDoubleFunction<String> modelCost, InstantSource clock, BankClusters clusters, Tracing tracing) {
        this.store = store;
        this.embedder = embedder;
        this.tokens = tokens;
        this.settings = settings;
        this.modelCost = modelCost;
        this.clock = clock;
        this.clusters = clusters;
        this.tracing = tracing;
    }

    public SelectionSettings settings() {
        return settings;
    }

    /** The bank's clusters, in which the utility model learns per region. */
    public BankClusters clusters() {
        return clusters;
    }

    /** Whether a request may get examples at all: no tools, not too long a conversation. */
    public boolean eligible(ChatRequest request) {
        return request.messages().size() <= settings.maxMessages() && !request.usesTools()
                && request.lastUserText().isPresent();
    }

    /**
     * Selects examples for {@code request} from the examples of {@code scope} for {@code target},
     * scored by {@code utility}, with threshold {@code tau}; embeds the request and counts its tokens
     * itself.
     */
    public Selection select(ChatRequest request, Set<String> scope, BackendConfig target, UtilityModel utility,
            double tau) {
        return select(request, () -> embed(tracing, embedder, request), tokens.countRequest(request), scope,
                target, utility, tau, id -> false);
    }

    /**
     * As {@link #select(ChatRequest, Set, BackendConfig, UtilityModel, double)}, with the request's
     * embedding and token count already computed (by the router, once for all arms), never choosing
     * the examples whose id {@code excluded} accepts (offline training leaves a history request's
     * own example out).
     */
    public Selection select(ChatRequest request, float[] vector, int requestTokens, Set<String> scope,
            BackendConfig target, UtilityModel utility, double tau, Predicate<String> excluded) {
        return select(request, () -> vector, requestTokens, scope, target, utility, tau, excluded);
    }

    private Selection select(ChatRequest request, Supplier<float[]> embedding, int requestTokens, Set<String> scope,
            BackendConfig target, UtilityModel utility, double tau, Predicate<String> excluded) {
        int reserve = request.maxTokens().orElse(settings.outputReserveTokens());
        String instruction = PromptAssembler.restatedInstruction(request);
        int template = PromptAssembler.TEMPLATE_TOKENS + tokens.count(instruction);
        int budget = target.contextWindow() - requestTokens - reserve - template;
        if (budget <= 0 || settings.maxExamples() == 0) {
            return Selection.none(tau, requestTokens, Math.max(0, budget));
        }
        float[] vector = embedding.get();
        List<SearchHit> hits;
        try (Tracing.Span span = tracing.start("iccache.search")) {
            hits = new ArrayList<>(store.search(vector, scope, settings.candidates(), clock.instant()));
            span.set("iccache.candidates", hits.size());
        }
        hits.removeIf(h -> excluded.test(h.example().id()));
        List<Selection.Decision> decisions = new ArrayList<>(hits.size());
        List<Candidate> eligible = new ArrayList<>(hits.size());
        for (SearchHit hit : hits) {
            Example e = hit.example();
            ArrayNode messages = e.messages(); // parsed once per candidate
            if (earlierTurnOf(messages, request.messages())) {
                decisions.add(new Selection.Decision(e.id(), hit.score(), Double.NaN, cost(e, messages),
                        Selection.Verdict.SAME_CONVERSATION));
            } else {
                eligible.add(new Candidate(hit, messages));
            }
        }
        List<Selection.Scored> scored = new ArrayList<>(eligible.size());
        int requestCluster = clusters.of(vector);
        int[] candidateClusters = clusters.of(eligible.stream().map(c -> c.hit().example().id()).toList(),
                eligible.stream().map(c -> c.hit().example().vector()).toList());
        for (int i = 0; i < eligible.size(); i++) {
            Candidate c = eligible.get(i);
            Example e = c.hit().example();
            int cluster = candidateClusters[i];
            int cost = cost(e, c.messages());
            UtilityFeatures f = UtilityFeatures.of(c.hit().score(),
                    e.quality().isPresent() ? e.quality().getAsDouble() : Double.NaN,
                    modelCost.applyAsDouble(e.model()), target.cost(), cost, target.contextWindow(), e.stats(),
                    requestTokens, cluster, cluster >= 0 && cluster == requestCluster, e.id());
            scored.add(new Selection.Scored(new Selection.Chosen(e.id(), ChatRequest.lastUserText(c.messages())
                    .orElse(""), e.response(), c.hit().score(), utility.score(f, target.name()), f), e.vector(), cost));
        }
        scored.sort(Comparator.comparingDouble((Selection.Scored s) -> s.candidate().utility()).reversed()
                .thenComparing(Comparator.comparingDouble((Selection.Scored s) -> s.candidate().similarity()).reversed())
                .thenComparing(s -> s.candidate().exampleId()));
        List<Selection.Chosen> chosen = combine(scored, tau, budget, decisions);
        return new Selection(chosen, decisions, scored, tau, requestTokens, budget);
    }

    /** The request's embedding, in an {@code embeddings} span (GenAI semantic conventions) of {@code tracing}. */
    public static float[] embed(Tracing tracing, Embedder embedder, ChatRequest request) {
        try (Tracing.Span span = tracing.start("embeddings")) {
            span.set("gen_ai.operation.name", "embeddings");
            float[] vector = embedder.embed(EmbeddingText.of(request));
            span.set("gen_ai.embeddings.dimension.count", vector.length);
            return vector;
        }
    }

    /**
     * The combination step on scored candidates (most useful first): utility at least {@code tau},
     * no near-duplicates, at most {@code max-examples}, within {@code budget} tokens. Returns the
     * kept ones in prompt order (the most useful last, nearest the user's turn).
     */
    public List<Selection.Chosen> combine(List<Selection.Scored> scored, double tau, int budget) {
        return combine(scored, tau, budget, new ArrayList<>());
    }

    private List<Selection.Chosen> combine(List<Selection.Scored> scored, double tau, int budget,
            List<Selection.Decision> decisions) {
        List<Selection.Scored> kept = new ArrayList<>();
        int used = 0;
        for (Selection.Scored s : scored) {
            Selection.Chosen c = s.candidate();
            Selection.Verdict verdict;
            if (c.utility() < tau) {
                verdict = Selection.Verdict.BELOW_THRESHOLD;
            } else if (kept.stream().anyMatch(k -> Vectors.dot(k.vector(), s.vector()) >= settings.diversity())) {
                verdict = Selection.Verdict.NEAR_DUPLICATE;
            } else if (kept.size() >= settings.maxExamples()) {
                verdict = Selection.Verdict.OVER_COUNT;
            } else if (used + s.tokens() > budget) {
                verdict = Selection.Verdict.OVER_BUDGET;
            } else {
                verdict = Selection.Verdict.KEPT;
                kept.add(s);
                used += s.tokens();
            }
            decisions.add(new Selection.Decision(c.exampleId(), c.similarity(), c.utility(), s.tokens(), verdict));
        }
        List<Selection.Chosen> chosen = new ArrayList<>(kept.size());
        for (int i = kept.size() - 1; i >= 0; i--) {
            chosen.add(kept.get(i).candidate());
        }
        return chosen;
    }

    /** Tokens an example adds to a prompt. */
    /** Tokens the example adds to a prompt; counted once per example and answer (every selection asks for 32). */
    private int cost(Example e, ArrayNode messages) {
        long texts = 31L * e.requestMessages().hashCode() + e.response().hashCode();
        long[] known = costs.getIfPresent(e.id());
        if (known != null && known[0] == texts) {
            return (int) known[1];
        }
        int cost = tokens.count(ChatRequest.lastUserText(messages).orElse("")) + tokens.count(e.response())
                + PromptAssembler.PER_EXAMPLE_TOKENS;
        costs.put(e.id(), new long[] {texts, cost});
        return cost;
    }

    /**
     * Whether the example was made from an earlier turn of this same conversation: its messages
     * are a strict prefix of the current ones (its answer is already in the history).
     */
    static boolean earlierTurnOf(JsonNode example, ArrayNode current) {
        if (!example.isArray() || example.size() >= current.size()) {
            return false;
        }
        for (int i = 0; i < example.size(); i++) {
            if (!example.get(i).equals(current.get(i))) {
                return false;
            }
        }
        return true;
    }
}
