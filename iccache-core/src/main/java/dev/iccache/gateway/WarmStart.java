package dev.iccache.gateway;

import dev.iccache.api.ChatRequest;
import dev.iccache.backend.ModelBackend;
import dev.iccache.bank.Example;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.IccacheConfig;
import dev.iccache.route.Judge;
import dev.iccache.route.Router;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.PromptAssembler;
import dev.iccache.select.Selection;
import dev.iccache.metrics.Metrics;
import dev.iccache.select.SelectionProbe;
import dev.iccache.select.TokenCounter;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Warm start from judged history (docs/selection.md): offline, before serving, runs the online
 * learning's comparisons on history requests of one domain, each with the bank minus its own
 * example; what it learns is that domain's state.
 * <ul>
 * <li>Every history request gets a {@link SelectionProbe}, as exploration runs online (which sets
 * of examples it compares on the small model is the probe's choice): it teaches the utility model,
 * the examples' probe records and the threshold tuner.</li>
 * <li>Every second one, when the router is on, also compares the small model's answer with its
 * selected examples against the history's large answer: the router's prior for that arm pair.</li>
 * </ul>
 * It stops when the judge budget is spent. The caller saves what was learned.
 */
public final class WarmStart {
    private final IccacheConfig config;
    private final String domain;
    private final Set<String> scope;
    private final InContextAugmenter augmenter;
    private final SelectionProbe probe;
    private final Optional<ModelRouting> routing;
    private final ModelBackend small;
    private final ModelBackend large;
    private final Judge judge;
    private final TokenCounter tokens = TokenCounter.cl100k();
    private int judgments;

    /** What a warm start did. */
    public record Report(int requests, int probes, int routerJudgments, int noVerdicts, int judgmentsUsed) {
    }

    /**
     * @param domain the domain whose state it teaches
     * @param scope  the tenants whose examples the domain's requests may use
     * @param small  the small model the probes run on
     * @param large  the large model (its arm in the router's prior; the history's answers are its answers)
     * @param judge  the judge; each comparison counts one judgment of the budget
     */
    public WarmStart(IccacheConfig config, String domain, Set<String> scope, InContextAugmenter augmenter,
            Optional<ModelRouting> routing, ModelBackend small, ModelBackend large, Judge judge, Assembly.Runtime rt,
            Metrics metrics) {
        if (small.config().role() != BackendRole.SMALL) {
            throw new IllegalArgumentException("warm start needs a small model, got " + small.config().name());
        }
        this.config = config;
        this.domain = domain;
        this.scope = Set.copyOf(scope);
        this.augmenter = augmenter;
        this.routing = routing;
        this.small = small;
        this.large = large;
        this.judge = (request, first, second) -> {
            judgments++;
            return judge.compare(request, first, second);
        };
        this.probe = Assembly.probe(augmenter, this.judge, rt, metrics);
    }

    /**
     * Runs on {@code history} in order until {@code budget} judgments are spent.
     *
     * @param done called with each history example once it was used (for progress and resumption)
     */
    public Report run(List<Example> history, int budget, Consumer<Example> done) {
        judgments = 0;
        int requests = 0;
        int probes = 0;
        int router = 0;
        int noVerdict = 0;
        double maxCost = Math.max(small.config().cost(), large.config().cost());
        for (Example h : history) {
            if (judgments >= budget) {
                break;
            }
            ChatRequest request = h.request(config.virtualModel());
            int requestTokens = tokens.countRequest(request);
            Selection selection = augmenter.select(domain, request, h.vector(), requestTokens, scope, small.config(),
                    id -> id.equals(h.id()));
            requests++;
            if (!selection.scored().isEmpty()) {
                if (probe.run(request, small, probe.plan(domain, selection)).isPresent()) {
                    probes++;
                } else {
                    noVerdict++;
                }
            }
            if (routing.isPresent() && requests % 2 == 0 && judgments < budget) {
                if (priorJudgment(routing.get(), request, h, selection, requestTokens, maxCost)) {
                    router++;
                } else {
                    noVerdict++;
                }
            }
            done.accept(h);
        }
        return new Report(requests, probes, router, noVerdict, judgments);
    }

    /** The small model with its examples against the history's large answer: the router's prior. */
    private boolean priorJudgment(ModelRouting routing, ChatRequest request, Example h, Selection selection,
            int requestTokens, double maxCost) {
        try {
            String answer = small.complete(PromptAssembler.assemble(request, selection.chosen(),
                    augmenter.newNonce())).content();
            OptionalDouble verdict = judge.compare(request, answer, h.response());
            if (verdict.isEmpty()) {
                return false;
            }
            double[] context = routing.context(request, h.vector(), requestTokens);
            Router.Arm smallArm = ModelRouting.arm(small.config(), maxCost, context, Optional.of(selection));
            Router.Arm largeArm = ModelRouting.arm(large.config(), maxCost, context, Optional.empty());
            routing.routers().update(domain, r -> r.judged(smallArm, largeArm, verdict.getAsDouble()));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The first backend of a role among the configured ones. */
    public static BackendConfig first(IccacheConfig config, BackendRole role) {
        return config.backends().stream().filter(b -> b.role() == role).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + role.name().toLowerCase(java.util.Locale.ROOT)
                        + " backend is configured"));
    }
}
