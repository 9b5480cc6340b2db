package dev.iccache.gateway;

import dev.iccache.backend.BoundedBackend;
import dev.iccache.select.InContextAugmenter.Augmented;
import java.util.Optional;

/**
 * Where one request goes, why, and what is sent there.
 *
 * @param backend   the backend that answers
 * @param reason    why: {@code routed} (the router chose, for the virtual model), {@code default}
 *                  (the virtual model with routing off), {@code pinned} (the client named a backend
 *                  model), {@code bypass} (routing or selection failed and stepped aside) or
 *                  {@code fallback} (the route asked for failed and this backend answered instead)
 * @param augmented the request as sent upstream, with the examples that were added to it
 * @param plan      the routing plan, for a routed request
 * @param shed      the gateway had more requests to decide than it may queue ({@code decisions}), so this one was
 *                  not decided (reason {@code bypass}); its answer is not offered to the bank either, since
 *                  admitting it would embed it: the work that was shed
 */
public record Route(BoundedBackend backend, String reason, Augmented augmented, Optional<ModelRouting.Plan> plan,
        boolean shed) {
    /** The reason of a fallback's route. */
    public static final String FALLBACK = "fallback";

    /** A route that was decided, or bypassed for a failure. */
    public Route(BoundedBackend backend, String reason, Augmented augmented, Optional<ModelRouting.Plan> plan) {
        this(backend, reason, augmented, plan, false);
    }

    /** In-context examples prepended to the request. */
    public int examples() {
        return augmented.examples();
    }
}
