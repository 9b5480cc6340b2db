package dev.iccache.select;

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
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Two-stage example selection (IC-Cache §4.1): the top-M most similar examples of the tenant
 * scope (stage 1), each scored by the {@link UtilityModel} for the target model (stage 2), then
 * combined: utility at least τ, no near-duplicates, at most {@code max-examples}, within the
 * token budget left in the target's context. Zero examples is a valid outcome.
 */
public final class ExampleSelector {
    private final ExampleStore store;
    private final Embedder embedder;
    private final UtilityModel utility;
    private final TokenCounter tokens;
    private final SelectionSettings settings;
    private final ToDoubleFunction<String> modelCost;
    private final InstantSource clock;

    /**
     * @param modelCost relative cost of a model by name, NaN when unknown (imported examples)
     */
    public ExampleSelector(ExampleStore store, Embedder embedder, UtilityModel utility, TokenCounter tokens,
            SelectionSettings settings, ToDoubleFunction<String> modelCost, InstantSource clock) {
        this.store = store;
        this.embedder = embedder;
        this.utility = utility;
        this.tokens = tokens;
        this.settings = settings;
        this.modelCost = modelCost;
        this.clock = clock;
    }

    public SelectionSettings settings() {
        return settings;
    }

    /** Whether a request may get examples at all: no tools, not too long a conversation. */
    public boolean eligible(ChatRequest request) {
        return request.messages().size() <= settings.maxMessages() && !request.usesTools()
                && request.lastUserText().isPresent();
    }

    /**
     * Selects examples for {@code request} from the examples of {@code scope} for {@code target},
     * with threshold {@code tau}; embeds the request and counts its tokens itself.
     */
    public Selection select(ChatRequest request, Set<String> scope, BackendConfig target, double tau) {
        return select(request, () -> embedder.embed(EmbeddingText.of(request)), tokens.countRequest(request), scope,
                target, tau);
    }

    /**
     * As {@link #select(ChatRequest, Set, BackendConfig, double)}, with the request's embedding and
     * token count already computed (by the router, once for all arms).
     */
    public Selection select(ChatRequest request, float[] vector, int requestTokens, Set<String> scope,
            BackendConfig target, double tau) {
        return select(request, () -> vector, requestTokens, scope, target, tau);
    }

    private Selection select(ChatRequest request, Supplier<float[]> embedding, int requestTokens, Set<String> scope,
            BackendConfig target, double tau) {
        int reserve = request.maxTokens().orElse(settings.outputReserveTokens());
        String instruction = PromptAssembler.restatedInstruction(request);
        int template = PromptAssembler.TEMPLATE_TOKENS + 2 * tokens.count(instruction);
        int budget = target.contextWindow() - requestTokens - reserve - template;
        if (budget <= 0 || settings.maxExamples() == 0) {
            return Selection.none(tau, requestTokens, Math.max(0, budget));
        }
        List<SearchHit> hits = store.search(embedding.get(), scope, settings.candidates(), clock.instant());

        List<Scored> scored = new ArrayList<>(hits.size());
        List<Selection.Decision> decisions = new ArrayList<>(hits.size());
        for (SearchHit hit : hits) {
            Example e = hit.example();
            JsonNode exampleMessages = e.messages();
            String exampleRequest = ChatRequest.lastUserText(exampleMessages).orElse("");
            int cost = tokens.count(exampleRequest) + tokens.count(e.response()) + PromptAssembler.PER_EXAMPLE_TOKENS;
            if (earlierTurnOf(exampleMessages, request.messages())) {
                decisions.add(new Selection.Decision(e.id(), hit.score(), Double.NaN, cost,
                        Selection.Verdict.SAME_CONVERSATION));
                continue;
            }
            UtilityFeatures f = UtilityFeatures.of(hit.score(),
                    e.quality().isPresent() ? e.quality().getAsDouble() : Double.NaN,
                    modelCost.applyAsDouble(e.model()), target.cost(), cost, target.contextWindow(), e.stats(),
                    requestTokens);
            scored.add(new Scored(e, exampleRequest, hit.score(), utility.score(f, target.name()), f, cost));
        }
        scored.sort(Comparator.comparingDouble(Scored::utility).reversed()
                .thenComparing(Comparator.comparingDouble(Scored::similarity).reversed())
                .thenComparing(s -> s.example.id()));

        List<Scored> kept = new ArrayList<>();
        int used = 0;
        for (Scored s : scored) {
            Selection.Verdict verdict;
            if (s.utility < tau) {
                verdict = Selection.Verdict.BELOW_THRESHOLD;
            } else if (kept.stream().anyMatch(k -> Vectors.dot(k.example.vector(), s.example.vector()) >= settings.diversity())) {
                verdict = Selection.Verdict.NEAR_DUPLICATE;
            } else if (kept.size() >= settings.maxExamples()) {
                verdict = Selection.Verdict.OVER_COUNT;
            } else if (used + s.tokens > budget) {
                verdict = Selection.Verdict.OVER_BUDGET;
            } else {
                verdict = Selection.Verdict.KEPT;
                kept.add(s);
                used += s.tokens;
            }
            decisions.add(new Selection.Decision(s.example.id(), s.similarity, s.utility, s.tokens, verdict));
        }
        // Prompt order: the most useful example last, nearest the restated instruction.
        List<Selection.Chosen> chosen = new ArrayList<>();
        for (int i = kept.size() - 1; i >= 0; i--) {
            Scored s = kept.get(i);
            chosen.add(new Selection.Chosen(s.example.id(), s.request, s.example.response(), s.similarity, s.utility,
                    s.features));
        }
        return new Selection(chosen, decisions, tau, requestTokens, budget);
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

    private record Scored(Example example, String request, double similarity, double utility, UtilityFeatures features,
            int tokens) {
    }
}
