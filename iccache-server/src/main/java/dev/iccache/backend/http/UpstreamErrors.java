package dev.iccache.backend.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** The one place that maps an upstream HTTP failure to an {@link IccacheException}. */
final class UpstreamErrors {
    /** Statuses worth another try before any byte reached the client. */
    static final Set<Integer> RETRIABLE_STATUS = Set.of(429, 502, 503, 504);

    private UpstreamErrors() {
    }

    /** The failure an upstream status means; {@code path} is where the request went, under the base URL. */
    static IccacheException fromStatus(String backend, String path, int status, byte[] body) {
        String upstream = upstreamMessage(body);
        String code = upstreamCode(body);
        return switch (status) {
            case 400, 422 -> new IccacheException(ErrorKind.INVALID_REQUEST, "Backend '" + backend
                    + "' rejected the request: " + upstream, null, code, null);
            case 401, 403 -> IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend
                    + "' refused iccache's credentials (HTTP " + status + "): " + upstream);
            case 404 -> IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend
                    + "' does not serve the configured model or the endpoint " + path + " (HTTP 404): " + upstream);
            case 408, 504 -> IccacheException.of(ErrorKind.BACKEND_TIMEOUT, "Backend '" + backend
                    + "' timed out (HTTP " + status + "): " + upstream);
            case 429 -> IccacheException.of(ErrorKind.RATE_LIMITED, "Backend '" + backend
                    + "' is rate limiting (HTTP 429): " + upstream);
            default -> IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend
                    + "' failed with HTTP " + status + ": " + upstream);
        };
    }

    static IccacheException unreachable(String backend, String baseUrl, Throwable cause) {
        return new IccacheException(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend + "' at " + baseUrl
                + " is unreachable: " + describe(cause), null, null, cause);
    }

    static IccacheException closedMidResponse(String backend, Throwable cause) {
        return new IccacheException(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend
                + "' closed the stream mid-response: " + describe(cause), null, null, cause);
    }

    static IccacheException timeout(String backend, String what, long millis) {
        return IccacheException.of(ErrorKind.BACKEND_TIMEOUT, "Backend '" + backend + "' timed out: " + what
                + " after " + millis + " ms.");
    }

    /** A response, stream or event beyond the limit {@code key}; iccache stopped reading it. */
    static IccacheException tooLarge(String backend, String what, long limit, String key) {
        return new IccacheException(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend + "' sent " + what
                + " larger than " + limit + " bytes (" + key + "); iccache stopped reading it.", null,
                "upstream_response_too_large", null);
    }

    static IccacheException broken(String backend, String what) {
        return IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend + "' " + what);
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    private static String upstreamMessage(byte[] body) {
        JsonNode json = tryParse(body);
        if (json != null) {
            JsonNode m = json.path("error").path("message");
            if (m.isTextual()) {
                return m.asText();
            }
            if (json.path("error").isTextual()) {
                return json.path("error").asText();
            }
            if (json.path("detail").isTextual()) {
                return json.path("detail").asText();
            }
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "(empty body)";
        }
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }

    private static String upstreamCode(byte[] body) {
        JsonNode json = tryParse(body);
        JsonNode code = json == null ? null : json.path("error").get("code");
        return code != null && code.isTextual() ? code.asText() : null;
    }

    private static JsonNode tryParse(byte[] body) {
        try {
            return body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
