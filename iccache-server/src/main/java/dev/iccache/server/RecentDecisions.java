package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.gateway.Route;
import dev.iccache.scrub.ScrubPolicy;
import dev.iccache.scrub.Scrubber;
import dev.iccache.scrub.ScrubberSettings;
import dev.iccache.tenant.Tenant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.Function;

/**
 * The dashboard's recent routing decisions: for each served chat completion, a bounded ring keeps
 * the request's last user message (scrubbed of personal data, shortened), the model that answered
 * and why, the router's scores for a routed request and the selection's explanation (the same JSON
 * as {@code /admin/selections/{id}}). Thread-safe.
 */
final class RecentDecisions {
    /** Characters of the request kept. */
    static final int MAX_TEXT = 240;

    private final int capacity;
    private final Scrubber scrubber;
    private final InstantSource clock;
    private final Deque<ObjectNode> entries = new ArrayDeque<>();

    /**
     * @param kinds what the gateway's scrubber looks for; the dashboard always masks it, whatever the
     *              admission policy
     */
    RecentDecisions(int capacity, ScrubberSettings kinds, InstantSource clock) {
        this.capacity = capacity;
        this.scrubber = Scrubber.from(new ScrubberSettings(ScrubPolicy.MASK, kinds.kinds()));
        this.clock = clock;
    }

    /** Records the decision behind a served response. */
    void record(String responseId, Tenant tenant, Route route, ChatRequest request) {
        ObjectNode e = Json.object();
        e.put("t", clock.instant().toEpochMilli());
        e.put("response_id", responseId);
        e.put("tenant", tenant.name());
        e.put("model", route.backend().config().name());
        e.put("route", route.reason());
        e.put("request", shorten(scrubber.scrub(request.lastUserText().orElse("")).text()));
        e.put("examples", route.examples());
        route.plan().ifPresent(plan -> {
            ObjectNode router = e.putObject("router");
            ObjectNode scores = router.putObject("scores");
            plan.decision().scores().forEach((model, score) -> scores.put(model, Math.round(score * 1e4) / 1e4));
            router.put("bias", Math.round(plan.decision().bias() * 1e4) / 1e4);
            plan.decision().shadow().ifPresent(s -> router.put("shadow", s));
        });
        route.augmented().selection().ifPresent(s -> e.set("selection", Explanations.of(s)));
        synchronized (this) {
            entries.addFirst(e);
            if (entries.size() > capacity) {
                entries.removeLast();
            }
        }
    }

    /** The decisions, newest first, each with the judge's verdict when its shadow run was judged. */
    ArrayNode toJson(Function<String, Optional<ModelRouting.Verdict>> verdicts) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        synchronized (this) {
            entries.forEach(e -> out.add(e.deepCopy()));
        }
        for (JsonNode n : out) {
            ObjectNode e = (ObjectNode) n;
            verdicts.apply(e.path("response_id").asText()).ifPresent(v -> {
                ObjectNode verdict = e.putObject("verdict");
                verdict.put("shadow_model", v.shadowModel());
                verdict.put("score", v.score());
            });
        }
        return out;
    }

    private static String shorten(String s) {
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT - 1) + "…";
    }
}
