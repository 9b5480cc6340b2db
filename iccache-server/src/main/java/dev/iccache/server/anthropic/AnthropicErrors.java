package dev.iccache.server.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;

/**
 * Failures in the shape of Anthropic's Messages API,
 * {@code {"type":"error","error":{"type":...,"message":...}}}; the HTTP status stays the one of the
 * failure's {@link ErrorKind}.
 */
public final class AnthropicErrors {
    private AnthropicErrors() {
    }

    /** The error body for a failure. */
    public static ObjectNode body(IccacheException e) {
        ObjectNode body = Json.object();
        body.put("type", "error");
        ObjectNode error = body.putObject("error");
        error.put("type", type(e.kind()));
        error.put("message", e.getMessage());
        return body;
    }

    /** Anthropic's {@code error.type} for a kind of failure. */
    static String type(ErrorKind kind) {
        return switch (kind) {
            case INVALID_REQUEST, METHOD_NOT_ALLOWED, REQUEST_TIMEOUT -> "invalid_request_error";
            case AUTHENTICATION -> "authentication_error";
            case FORBIDDEN -> "permission_error";
            case NOT_FOUND -> "not_found_error";
            case PAYLOAD_TOO_LARGE -> "request_too_large";
            case RATE_LIMITED -> "rate_limit_error";
            case INTERNAL, BACKEND_UNAVAILABLE -> "api_error";
            case OVERLOADED -> "overloaded_error";
            case BACKEND_TIMEOUT -> "timeout_error";
        };
    }
}
