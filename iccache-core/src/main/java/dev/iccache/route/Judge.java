package dev.iccache.route;

import dev.iccache.api.ChatRequest;
import java.util.OptionalDouble;

/**
 * Compares two answers to the same request, pairwise, on a 7-point scale from −3 (the second is
 * much better) to +3 (the first is much better); empty when no verdict could be had.
 */
public interface Judge {
    OptionalDouble compare(ChatRequest request, String first, String second);
}
