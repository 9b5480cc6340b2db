package dev.iccache.route;

import dev.iccache.api.ChatRequest;
import java.util.OptionalDouble;

/**
 * Compares two answers to the same request, pairwise, on a 7-point scale from −3 (the second is
 * much better) to +3 (the first is much better); empty when no verdict could be had.
 */
public interface Judge {
    /** Scores at most this far from 0 are a tie. */
    double TIE = 0.3;

    /** Whether a score says the first answer is at least as good as the second (a win or a tie). */
    static boolean atLeastAsGood(double score) {
        return score >= -TIE;
    }

    /** The first answer's preference probability in [0, 1]: (s + 3) / 6, and exactly 0.5 for a tie. */
    static double preference(double score) {
        return Math.abs(score) <= TIE ? 0.5 : (score + 3) / 6;
    }

    OptionalDouble compare(ChatRequest request, String first, String second);
}
