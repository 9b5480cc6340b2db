package dev.iccache.gateway;

import dev.iccache.backend.BoundedBackend;

/**
 * Where one request goes and why.
 *
 * @param backend  the backend that answers
 * @param reason   why: {@code pinned} (the client named a backend model), {@code default}
 *                 (the virtual model, no decision yet) or {@code bypass} (iccache failed and stepped aside)
 * @param examples in-context examples prepended to the request
 */
public record Route(BoundedBackend backend, String reason, int examples) {
}
