package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import java.io.ByteArrayOutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/**
 * Requests Helidon rejects before any handler runs (not HTTP, bad headers, bad framing, too large,
 * unsupported version) get an OpenAI-style JSON error, the connection is closed, and one line is
 * logged for a client's fault (none for a request its connection's deadline already cut off and logged).
 */
final class ProtocolErrors implements DirectHandler {
    private static final System.Logger LOG = System.getLogger(ProtocolErrors.class.getName());
    /** Helidon's text for a message it deems unsafe to show. */
    private static final String UNSAFE = "Bad request, see server log for more information";
    private static final int MAX_ECHO = 200;

    private final long maxBodyBytes;

    ProtocolErrors(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
            ServerResponseHeaders headers, String message) {
        if (status.code() >= 500 && request.method().isEmpty()) {
            // The request line did not parse (Helidon fails on a method that is not an HTTP token with
            // an unchecked exception, reported as an internal error): the client's fault.
            status = Status.BAD_REQUEST_400;
            message = null;
        }
        String text = message == null || message.isBlank() || message.startsWith(UNSAFE) ? describe(status.code())
                : printable(message);
        if (status.code() == 413) {
            text = "The request body exceeds the limit of " + maxBodyBytes + " bytes (server.max-body-bytes).";
        }
        // A connection its header or body deadline closed was logged then; what Helidon makes of the
        // cut-off request afterwards is not a second fault.
        boolean timedOut = GuardedConnection.current().map(GuardedConnection::timedOut).orElse(false);
        if (status.code() < 500 && !timedOut) {
            String what = request.method().isEmpty() ? "a request that is not HTTP"
                    : printable(request.method() + " " + request.path());
            LOG.log(Level.INFO, "rejected " + what + ": " + status.code() + " " + text);
        }
        headers.set(HeaderValues.CONTENT_TYPE_JSON);
        return TransportResponse.builder().status(status).headers(headers).keepAlive(false)
                .entity(Json.bytes(body(status.code(), text))).build();
    }

    /** A whole HTTP response for {@code e} that closes the connection, for writing straight to a socket. */
    static byte[] response(IccacheException e) {
        byte[] body = Json.bytes(OpenAiHttp.errorBody(e));
        int code = e.kind().httpStatus();
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 160);
        out.writeBytes(("HTTP/1.1 " + code + " " + Status.create(code).reasonPhrase() + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static ObjectNode body(int status, String message) {
        ErrorKind kind = switch (status) {
            case 400 -> ErrorKind.INVALID_REQUEST;
            case 403 -> ErrorKind.FORBIDDEN;
            case 404 -> ErrorKind.NOT_FOUND;
            case 405 -> ErrorKind.METHOD_NOT_ALLOWED;
            case 408 -> ErrorKind.REQUEST_TIMEOUT;
            case 413 -> ErrorKind.PAYLOAD_TOO_LARGE;
            case 503 -> ErrorKind.OVERLOADED;
            default -> status < 500 ? ErrorKind.INVALID_REQUEST : ErrorKind.INTERNAL;
        };
        return OpenAiHttp.errorBody(IccacheException.of(kind, message));
    }

    private static String describe(int status) {
        return switch (status) {
            case 414 -> "The request line is too long.";
            case 431 -> "The request headers are too large.";
            case 505 -> "The HTTP version is not supported: send HTTP/1.1 (or HTTP/1.0).";
            case 503 -> "The server is busy; retry later.";
            default -> status < 500 ? "The request is not valid HTTP/1.1." : "iccache failed unexpectedly; the failure "
                    + "is logged.";
        };
    }

    /** {@code text} shortened, with control characters replaced, fit for a log line or an error message. */
    static String printable(String text) {
        String cut = text.length() > MAX_ECHO ? text.substring(0, MAX_ECHO) + "..." : text;
        return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
