package dev.iccache.gateway;

import dev.iccache.backend.BoundedBackend;
import dev.iccache.select.InContextAugmenter.Augmented;

/**
 * Where one request goes, why, and what is sent there.
 *
 * @param backend   the backend that answers
 * @param reason    why: {@code pinned} (the client named a backend model), {@code default}
 *                  (the virtual model) or {@code bypass} (example selection failed and stepped aside)
 * @param augmented the request as sent upstream, with the examples that were added to it
 */
public record Route(BoundedBackend backend, String reason, Augmented augmented) {
    /** In-context examples prepended to the request. */
    public int examples() {
        return augmented.examples();
    }
}
