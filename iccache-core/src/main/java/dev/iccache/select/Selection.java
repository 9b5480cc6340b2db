package dev.iccache.select;

import java.util.List;

/**
 * The outcome of selecting examples for one request and one target model.
 *
 * @param chosen        the examples to prepend, in prompt order (the most useful last, nearest the user's turn)
 * @param decisions     every candidate of stage 1 with its scores and what became of it
 * @param scored        every candidate the utility model scored, most useful first (for exploration probes)
 * @param threshold     the utility threshold τ applied
 * @param requestTokens tokens of the request as sent by the client
 * @param budgetTokens  tokens available for examples in the target's context
 */
public record Selection(List<Chosen> chosen, List<Decision> decisions, List<Scored> scored, double threshold,
        int requestTokens, int budgetTokens) {

    public Selection {
        chosen = List.copyOf(chosen);
        decisions = List.copyOf(decisions);
        scored = List.copyOf(scored);
    }

    /** A selection with no candidates. */
    public static Selection none(double threshold, int requestTokens, int budgetTokens) {
        return new Selection(List.of(), List.of(), List.of(), threshold, requestTokens, budgetTokens);
    }

    /**
     * A scored candidate: as it would be shown, its embedding (for the diversity rule) and the
     * tokens it would add.
     */
    public record Scored(Chosen candidate, float[] vector, int tokens) {
    }

    /** Highest utility among the chosen examples, 0 if none. */
    public double maxUtility() {
        return chosen.stream().mapToDouble(Chosen::utility).max().orElse(0);
    }

    /** What became of one candidate. */
    public enum Verdict {
        KEPT, BELOW_THRESHOLD, NEAR_DUPLICATE, OVER_COUNT, OVER_BUDGET, SAME_CONVERSATION
    }

    /**
     * One candidate of stage 1.
     *
     * @param exampleId  the example
     * @param similarity cosine to the request
     * @param utility    h from the utility model (NaN when not scored)
     * @param tokens     tokens it would add to the prompt
     * @param verdict    kept, or why it was dropped
     */
    public record Decision(String exampleId, double similarity, double utility, int tokens, Verdict verdict) {
    }

    /**
     * A chosen example.
     *
     * @param request    the example's request text as shown in the prompt
     * @param response   the example's response
     * @param exampleId  its id
     * @param similarity cosine to the request
     * @param utility    h
     * @param features   the features h was computed from (kept to learn from feedback)
     */
    public record Chosen(String exampleId, String request, String response, double similarity, double utility,
            UtilityFeatures features) {
    }
}
