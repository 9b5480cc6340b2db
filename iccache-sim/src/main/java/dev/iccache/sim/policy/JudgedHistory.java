package dev.iccache.sim.policy;

import dev.iccache.backend.ModelBackend;
import dev.iccache.route.Judge;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The judged-history budget every learning policy gets before a run (EVALUATION.md §4, equal
 * information): the models, called offline (before the run, on no cluster capacity), and a judge
 * that gives at most {@code budget} verdicts, every call counted, repeats included; past the budget
 * it gives none. The judge draws its noise once per pair of answers, so asking again about the same
 * pair returns the same verdict: a policy cannot average noise away. No other judge is free: during
 * the run a policy can only use {@link PolicyContext#judge()}, whose calls load the judge model's
 * servers.
 */
public final class JudgedHistory {
    private final Judge judge;
    private final List<ModelBackend> models;
    private final int budget;
    private int used;

    /**
     * @param judge  the offline judge
     * @param models the models, offline: their answers cost no capacity of the run's cluster
     * @param budget verdicts at most
     */
    public JudgedHistory(Judge judge, List<? extends ModelBackend> models, int budget) {
        if (budget < 0) {
            throw new IllegalArgumentException("the judged-history budget must not be negative, got " + budget);
        }
        this.judge = judge;
        this.models = List.copyOf(models);
        this.budget = budget;
    }

    /** Verdicts allowed in all. */
    public int budget() {
        return budget;
    }

    /** Verdicts left. */
    public synchronized int remaining() {
        return budget - used;
    }

    /** The budgeted judge: each call spends one verdict; empty once the budget is spent. */
    public Judge judge() {
        return (request, first, second) -> {
            synchronized (this) {
                if (used >= budget) {
                    return OptionalDouble.empty();
                }
                used++;
            }
            return judge.compare(request, first, second);
        };
    }

    /** The models, called offline (their answers cost no capacity of the run's cluster). */
    public List<ModelBackend> models() {
        return models;
    }

    /** The offline model named {@code name}. */
    public ModelBackend model(String name) {
        return models.stream().filter(m -> m.config().name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no model named " + name));
    }
}
