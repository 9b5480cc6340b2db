package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.route.Router;
import dev.iccache.select.Selection;
import java.util.Locale;

/** Selections and routing decisions as JSON, for the admin API and the debug header. */
final class Explanations {
    private Explanations() {
    }

    /** Threshold, budget and every candidate with similarity, utility, tokens and verdict. */
    static ObjectNode of(Selection s) {
        ObjectNode body = Json.object();
        body.put("threshold", s.threshold());
        body.put("request_tokens", s.requestTokens());
        body.put("budget_tokens", s.budgetTokens());
        ArrayNode chosen = body.putArray("chosen");
        s.chosen().forEach(c -> chosen.add(c.exampleId()));
        ArrayNode candidates = body.putArray("candidates");
        for (Selection.Decision d : s.decisions()) {
            ObjectNode c = candidates.addObject();
            c.put("id", d.exampleId());
            c.put("similarity", round(d.similarity()));
            if (Double.isNaN(d.utility())) {
                c.putNull("utility");
            } else {
                c.put("utility", round(d.utility()));
            }
            c.put("tokens", d.tokens());
            c.put("verdict", d.verdict().name().toLowerCase(Locale.ROOT));
        }
        return body;
    }

    /**
     * A routing decision and the router's belief about each arm: its estimate ({@code posterior_mean}) with
     * {@code posterior_stddev}, the outcomes it learned ({@code observations}) and the decision's {@code score}
     * (null for an arm with too few observations to be served).
     */
    static ObjectNode of(ModelRouting.Plan plan, Router router) {
        Router.Decision d = plan.decision();
        ObjectNode body = Json.object();
        body.put("chosen", d.chosen());
        d.shadow().ifPresentOrElse(s -> body.put("shadow", s), () -> body.putNull("shadow"));
        body.put("spread", round(d.spread()));
        body.put("load_bias", round(d.bias()));
        ObjectNode arms = body.putObject("arms");
        plan.arms().forEach((model, arm) -> {
            Router.Belief belief = router.belief(arm);
            ObjectNode a = arms.putObject(model);
            a.put("posterior_mean", round(belief.mean()));
            a.put("posterior_stddev", round(belief.stddev()));
            a.put("observations", belief.observations());
            Double score = d.scores().get(model);
            if (score == null) {
                a.putNull("score");
            } else {
                a.put("score", round(score));
            }
        });
        return body;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
