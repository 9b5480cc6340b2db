package dev.iccache.api;

/**
 * The kinds of failure iccache reports, each with its HTTP status, its OpenAI error {@code type}
 * and whether a caller may retry. This is the one table that maps failures to responses.
 */
public enum ErrorKind {
    INVALID_REQUEST(400, "invalid_request_error", false),
    AUTHENTICATION(401, "authentication_error", false),
    FORBIDDEN(403, "permission_error", false),
    NOT_FOUND(404, "invalid_request_error", false),
    METHOD_NOT_ALLOWED(405, "invalid_request_error", false),
    REQUEST_TIMEOUT(408, "invalid_request_error", true),
    PAYLOAD_TOO_LARGE(413, "invalid_request_error", false),
    RATE_LIMITED(429, "rate_limit_error", true),
    INTERNAL(500, "server_error", false),
    BACKEND_UNAVAILABLE(502, "upstream_error", true),
    OVERLOADED(503, "server_error", true),
    BACKEND_TIMEOUT(504, "timeout_error", true);

    private final int httpStatus;
    private final String type;
    private final boolean retriable;

    ErrorKind(int httpStatus, String type, boolean retriable) {
        this.httpStatus = httpStatus;
        this.type = type;
        this.retriable = retriable;
    }

    /** HTTP status sent to the client. */
    public int httpStatus() {
        return httpStatus;
    }

    /** OpenAI-style {@code error.type}. */
    public String type() {
        return type;
    }

    /** Whether the same call may succeed if tried again. */
    public boolean retriable() {
        return retriable;
    }
}
