package dev.iccache.eval;

import dev.iccache.workload.Workloads;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scores a model's answer against gold answers the way open-domain QA is scored (SQuAD): the
 * answer's first non-empty line, normalised ({@link Workloads#normalisedAnswer}: lower case, no
 * punctuation, no articles, single spaces; underscores count as spaces, so that banking77's
 * {@code card_arrival} matches "card arrival"), exact match and token F1, each the best over the
 * gold answers.
 */
public final class AnswerScores {
    private AnswerScores() {
    }

    /** The part of a response that is scored: its first non-empty line, stripped. */
    public static String scoredPart(String response) {
        return response.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
    }

    /** The normalised form of an answer. */
    public static String normalise(String answer) {
        return Workloads.normalisedAnswer(answer.replace('_', ' '));
    }

    /** 1 when the scored part equals a gold answer after normalisation, else 0. */
    public static double exactMatch(String response, Set<String> gold) {
        String p = normalise(scoredPart(response));
        return gold.stream().anyMatch(g -> normalise(g).equals(p)) ? 1 : 0;
    }

    /** The best token F1 of the scored part against a gold answer (0 when either side has no tokens). */
    public static double f1(String response, Set<String> gold) {
        List<String> p = tokens(scoredPart(response));
        return gold.stream().mapToDouble(g -> f1(p, tokens(g))).max().orElse(0);
    }

    private static List<String> tokens(String s) {
        String n = normalise(s);
        return n.isEmpty() ? List.of() : Arrays.asList(n.split(" "));
    }

    private static double f1(List<String> predicted, List<String> gold) {
        if (predicted.isEmpty() || gold.isEmpty()) {
            return predicted.equals(gold) ? 1 : 0;
        }
        Map<String, Integer> counts = new HashMap<>();
        gold.forEach(t -> counts.merge(t, 1, Integer::sum));
        int common = 0;
        for (String t : predicted) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                common++;
                counts.put(t, c - 1);
            }
        }
        if (common == 0) {
            return 0;
        }
        double precision = common / (double) predicted.size();
        double recall = common / (double) gold.size();
        return 2 * precision * recall / (precision + recall);
    }
}
