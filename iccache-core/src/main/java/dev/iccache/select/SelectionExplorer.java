package dev.iccache.select;

import dev.iccache.api.ChatRequest;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.route.JudgeBudget;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Exploration for example selection, online (docs/selection.md): on its own share of the judge
 * budget, independent of the router's uncertainty, after a response was sent, runs a
 * {@link SelectionProbe} on the request's small-model selection in the background, on spare
 * capacity only: not while the small model has requests waiting, since a probe's two calls would
 * queue ahead of clients' requests (in the 1.3x-overloaded demo, probes on a saturated small tier
 * added seconds to the median latency).
 */
public final class SelectionExplorer {
    private final SelectionProbe probe;
    private final JudgeBudget budget;
    private final Executor background;

    /**
     * @param budget     the exploration share of the judge budget
     * @param background runs probes (model calls and the judgment) off the request path
     */
    public SelectionExplorer(SelectionProbe probe, JudgeBudget budget, Executor background) {
        this.probe = probe;
        this.budget = budget;
        this.background = background;
    }

    /**
     * After a response was sent: when the exploration budget allows, probes {@code selection} (the
     * selection made for {@code small}, whichever model answered, for a request of {@code domain})
     * in the background.
     */
    public void served(ChatRequest original, BoundedBackend small, Selection selection, String domain) {
        if (selection.scored().isEmpty()) {
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
