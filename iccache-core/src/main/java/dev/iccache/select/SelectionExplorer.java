package dev.iccache.select;

import dev.iccache.api.ChatRequest;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.route.JudgeBudget;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

/**
 * Exploration for example selection, online (docs/selection.md): on its own share of the judge
 * budget, independent of the router's uncertainty, after a response was sent, runs a
 * {@link SelectionProbe} on the request's small-model selection in the background, on spare
 * capacity only: not while the small model has requests waiting, since a probe's two calls would
 * queue ahead of clients' requests (in the 1.3x-overloaded demo, probes on a saturated small tier
 * added seconds to the median latency). Of the gateways that share selection's learned state, only the learner
 * probes ({@link SelectionSync}).
 */
public final class SelectionExplorer {
    private final SelectionProbe probe;
    private final JudgeBudget budget;
    private final Executor background;
    private final BooleanSupplier learning;

    /**
     * @param budget     the exploration share of the judge budget
     * @param background runs probes (model calls and the judgment) off the request path
     * @param learning   whether this gateway learns selection now (always, unless it shares it with others)
     */
    public SelectionExplorer(SelectionProbe probe, JudgeBudget budget, Executor background, BooleanSupplier learning) {
        this.probe = probe;
        this.budget = budget;
        this.background = background;
        this.learning = learning;
    }

    /**
     * After a response was sent: when the exploration budget allows, probes {@code selection} (the
     * selection made for {@code small}, whichever model answered, for a request of {@code domain})
     * in the background; not while another gateway learns selection.
     */
    public void served(ChatRequest original, BoundedBackend small, Selection selection, String domain) {
        if (selection.scored().isEmpty()) {
            return;
        }
        if (!learning.getAsBoolean()) {
            probe.followed();
            return;
        }
        SelectionProbe.Plan plan = probe.plan(domain, selection);
        if (plan.needsJudgment() && small.load().queued() > 0) {
            probe.skipped(plan);
            return;
        }
        if (plan.needsJudgment() && !budget.tryAcquire()) {
            return;
        }
        try {
            background.execute(() -> probe.run(original, small, plan));
        } catch (RejectedExecutionException e) {
            probe.failed(plan);
        }
    }
}
