package dev.iccache.select;

import dev.iccache.api.ChatRequest;
import dev.iccache.backend.ModelBackend;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import dev.iccache.route.Judge;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.OptionalDouble;
import java.util.random.RandomGenerator;

/**
 * One exploration probe of a selection (docs/selection.md): the small model's answer with a set of
 * the scored candidates against its answer with another set or without examples, judged; the
 * judge's score, mapped to [0, 1], teaches the {@link InContextAugmenter} about every example of
 * both. A quarter of the probes are threshold probes: a τ drawn by the tuner's Thompson sampling
 * and the examples selected at it, against no examples (a reward for that τ, and the level of what
 * examples add). When no example passes it, that τ's reward is a tie, known without a judgment, and
 * the probe tests the best candidates the model would pick at any τ against none instead: only a
 * set against none shows the level of what examples add, so a model that expects no example to help
 * would otherwise never learn otherwise (it selected nothing at all on one seed of five, from 1,000
 * to 8,000 labels, before this). The others explore:
 * two disjoint sets of up to {@code max-examples} candidates drawn uniformly (from the candidates in
 * similarity order, so that the draw does not depend on what the model learned), one against the other
 * (every example of both is learned about from the one judgment: twice the examples per judgment
 * of a set against none; the utility model shares the label out). A request with a single
 * candidate explores it against none. Run online by {@link SelectionExplorer} and offline by the
 * warm start.
 */
public final class SelectionProbe {
    private static final System.Logger LOG = System.getLogger(SelectionProbe.class.getName());
    /** Share of probes that tune the threshold; the others explore random sets of candidates. */
    static final double THRESHOLD_PROBES = 0.25;
    private static final Comparator<Selection.Scored> BY_SIMILARITY = Comparator
            .comparingDouble((Selection.Scored s) -> -s.candidate().similarity())
            .thenComparing(s -> s.candidate().exampleId());

    private final InContextAugmenter augmenter;
    private final Judge judge;
    private final RandomGenerator random;
    private final Counter probes;

    /**
     * What a probe compares: the examples in the "with" answer, those in the answer it is compared
     * against (empty: no examples), and the τ of a threshold probe (NaN otherwise), for a selection
     * made for {@code domain} (whose utility model and τ it teaches).
     */
    public record Plan(String domain, List<Selection.Scored> examples, List<Selection.Scored> against, double tau) {
        boolean thresholdProbe() {
            return !Double.isNaN(tau);
        }

        /** Whether it needs model calls and a judgment (a threshold that selects nothing does not). */
        public boolean needsJudgment() {
            return !examples.isEmpty();
        }
    }

    /** @param random draws the kind of probe and its candidate */
    public SelectionProbe(InContextAugmenter augmenter, Judge judge, RandomGenerator random,
            Metrics metrics) {
        this.augmenter = augmenter;
        this.judge = judge;
        this.random = random;
        this.probes = metrics.counter("iccache_selection_probes_total",
                "Exploration probes by kind and outcome (explore/threshold; judged, no_verdict, failed, free, busy; "
                        + "none: follower, another gateway learns selection).",
                "kind", "outcome");
    }

    /** Draws the probe for a selection made for {@code domain}, with at least one scored candidate. */
    public Plan plan(String domain, Selection selection) {
        List<Selection.Scored> scored = selection.scored();
        boolean threshold;
        // Drawn from the candidates in stage 1's order, not the utility model's: the same seed draws
        // the same sets whatever the model has learned, so a rerun with another model replays them.
        List<Selection.Scored> drawn = new ArrayList<>(scored);
        drawn.sort(BY_SIMILARITY);
        int size;
        synchronized (random) {
            threshold = random.nextDouble() < THRESHOLD_PROBES;
            size = Math.min(augmenter.selector().settings().maxExamples(), scored.size() / 2);
            for (int i = 0; i < Math.min(2 * size, drawn.size()); i++) { // a partial Fisher-Yates shuffle
                Collections.swap(drawn, i, i + random.nextInt(drawn.size() - i));
            }
        }
        if (threshold) {
            double tau = augmenter.tuner(domain).sample();
            List<Selection.Scored> kept = combined(selection, tau);
            List<Selection.Scored> best = kept.isEmpty() ? combined(selection, 0) : kept;
            if (kept.isEmpty() && !best.isEmpty()) {
                // Serving at τ changes nothing here (a tie, known without a judgment), and the model
                // expects no candidate to help enough: test the best it would pick against none.
                augmenter.thresholdProbed(domain, tau, 0.5);
                probes.labelValues("threshold", "free").inc();
                return new Plan(domain, best, List.of(), Double.NaN);
            }
            return new Plan(domain, kept, List.of(), tau);
        }
        if (size == 0) { // one candidate: against none
            return new Plan(domain, List.copyOf(drawn), List.of(), Double.NaN);
        }
        return new Plan(domain, List.copyOf(drawn.subList(0, size)), List.copyOf(drawn.subList(size, 2 * size)),
                Double.NaN);
    }

    /** The candidates the selector combines at threshold {@code tau}, within the selection's token budget. */
    private List<Selection.Scored> combined(Selection selection, double tau) {
        Set<String> kept = new HashSet<>();
        augmenter.selector().combine(selection.scored(), tau, selection.budgetTokens())
                .forEach(c -> kept.add(c.exampleId()));
        return selection.scored().stream().filter(s -> kept.contains(s.candidate().exampleId())).toList();
    }

    /**
     * Runs a plan on the calling thread: returns the judge's preference of the answer with the
     * examples over the answer without, or empty when there was no verdict. A plan that needs no
     * judgment records a tie without calling anything.
     */
    public OptionalDouble run(ChatRequest original, ModelBackend small, Plan plan) {
        if (!plan.needsJudgment()) {
            augmenter.thresholdProbed(plan.domain(), plan.tau(), 0.5);
            probes.labelValues(kind(plan), "free").inc();
            return OptionalDouble.of(0.5);
        }
        try {
            String with = small.complete(prompt(original, plan.examples())).content();
            String without = small.complete(prompt(original, plan.against())).content();
            OptionalDouble verdict = judge.compare(original, with, without);
            if (verdict.isEmpty()) {
                probes.labelValues(kind(plan), "no_verdict").inc();
                return OptionalDouble.empty();
            }
            double gain = (verdict.getAsDouble() + 3) / 6;
            probes.labelValues(kind(plan), "judged").inc();
            if (plan.thresholdProbe()) {
                augmenter.thresholdProbed(plan.domain(), plan.tau(), gain);
            }
            augmenter.probed(plan.domain(), small.config().name(), plan.examples(), plan.against(), gain);
            return OptionalDouble.of(gain);
        } catch (RuntimeException e) {
            failed(plan);
            LOG.log(Level.DEBUG, "selection probe on " + small.config().name() + " failed: " + e.getMessage());
            return OptionalDouble.empty();
        }
    }

    /** The request with {@code examples} in its prompt (unchanged when there are none). */
    private ChatRequest prompt(ChatRequest original, List<Selection.Scored> examples) {
        return PromptAssembler.assemble(original, examples.stream().map(Selection.Scored::candidate).toList(),
                augmenter.newNonce());
    }

    /** Counts a probe that could not run. */
    void failed(Plan plan) {
        probes.labelValues(kind(plan), "failed").inc();
    }

    /** Counts a probe not drawn because another gateway learns selection ({@link SelectionSync}). */
    void followed() {
        probes.labelValues("none", "follower").inc();
    }

    /** Counts a probe left out because the small model had requests waiting. */
    void skipped(Plan plan) {
        probes.labelValues(kind(plan), "busy").inc();
    }

    private static String kind(Plan plan) {
        return plan.thresholdProbe() ? "threshold" : "explore";
    }
}
