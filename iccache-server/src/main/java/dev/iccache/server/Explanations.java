package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.select.Selection;
import java.util.Locale;

/** Selections as JSON, for the admin API and the debug header. */
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

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
