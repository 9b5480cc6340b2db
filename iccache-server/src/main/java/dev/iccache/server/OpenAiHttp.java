package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** HTTP plumbing shared by the gateway and the simulated backend: bodies, JSON, errors, SSE. */
final class OpenAiHttp {
    private static final System.Logger LOG = System.getLogger(OpenAiHttp.class.getName());
    private static final byte[] EVENT_PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private OpenAiHttp() {
    }

    /**
     * Reads a request body of at most {@code limit} bytes, reserving its bytes in {@code reservation}
     * as they arrive (beyond the in-flight budget is a 503); larger than the limit is a 413, a body that
     * is not valid HTTP (bad chunked encoding, the client gone mid-body) a 400, and one that did not
     * arrive within {@code server.body-timeout-ms} a 408. A body not read whole closes the connection
     * after the response.
     */
    static byte[] readBody(ServerRequest req, long limit, BodyBudget.Reservation reservation) {
        var declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw tooLarge(limit);
        }
        Optional<GuardedConnection> connection = GuardedConnection.current();
        if (!req.content().hasEntity()) {
            connection.ifPresent(GuardedConnection::bodyRead);
            return new byte[0];
        }
        byte[] body;
        try {
            InputStream in = req.content().inputStream();
            if (declared.isPresent()) {
                refuseBeyondBudget(in, 0, limit, connection, () -> reservation.atLeast(declared.getAsLong()));
            }
            ByteArrayOutputStream buffer = new ByteArrayOutputStream((int) Math.min(declared.orElse(8192), limit));
            byte[] chunk = new byte[16 * 1024];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                if (buffer.size() + n > limit) {
                    // Not closed: closing reads the rest of the body; the connection is closed instead.
                    throw tooLarge(limit);
                }
                int size = buffer.size() + n;
                refuseBeyondBudget(in, size, limit, connection, () -> reservation.atLeast(size));
                buffer.write(chunk, 0, n);
            }
            in.close();
            body = buffer.toByteArray();
        } catch (IccacheException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw unreadable(req, e, connection, limit);
        }
        connection.ifPresent(GuardedConnection::bodyRead);
        return body;
    }

    /**
     * Runs {@code reserve}; when the in-flight budget refuses it (503), first reads the rest of the body
     * (at most {@code limit} bytes in all) into a small scratch buffer and drops it. A server that answers
     * and closes with body bytes still unread makes the client's TCP stack discard the answer (a reset),
     * so the client would see a dropped connection instead of the 503; drained, the connection even
     * stays open for the next request. Nothing of the body is held.
     */
    private static void refuseBeyondBudget(InputStream in, long readSoFar, long limit,
            Optional<GuardedConnection> connection, Runnable reserve) throws IOException {
        try {
            reserve.run();
        } catch (IccacheException refused) {
            byte[] scratch = new byte[16 * 1024];
            long total = readSoFar;
            int n;
            while (total <= limit && (n = in.read(scratch)) >= 0) {
                total += n;
            }
            if (total <= limit) {
                in.close();
                connection.ifPresent(GuardedConnection::bodyRead);
            }
            throw refused;
        }
    }

    private static IccacheException unreadable(ServerRequest req, Exception e, Optional<GuardedConnection> connection,
            long limit) {
        if (connection.map(GuardedConnection::timedOut).orElse(false)) {
            // Answered and logged by the connection's deadline.
            return IccacheException.of(ErrorKind.REQUEST_TIMEOUT, "The request body did not arrive in time.");
        }
        if (e instanceof RequestException r && r.status().code() == 413) {
            return tooLarge(limit);
        }
        String why = switch (e) {
            case NumberFormatException n -> "a chunk size is not a hexadecimal number of at most 31 bits";
            case DataReader.InsufficientDataAvailableException n -> "the connection closed before its end";
            case DataReader.IncorrectNewLineException n -> "a line of the chunked encoding does not end in CR LF";
            case RequestException r -> ProtocolErrors.printable(String.valueOf(r.getMessage()));
            default -> ProtocolErrors.printable(e.getClass().getSimpleName() + ": " + e.getMessage());
        };
        String message = "The request body could not be read: " + why + ".";
        LOG.log(Level.INFO, "rejected " + req.prologue().method().text() + " " + ProtocolErrors.printable(
                req.path().path()) + ": 400 " + message);
        return new IccacheException(ErrorKind.INVALID_REQUEST, message, null, "malformed_body", null);
    }

    private static IccacheException tooLarge(long limit) {
        return IccacheException.of(ErrorKind.PAYLOAD_TOO_LARGE,
                "The request body exceeds the limit of " + limit + " bytes (server.max-body-bytes).");
    }

    /** An empty {@code /v1/models} list body; add entries with {@link #addModel}. */
    static ObjectNode modelList() {
        ObjectNode body = Json.object();
        body.put("object", "list");
        body.putArray("data");
        return body;
    }

    /** Adds one model to a {@link #modelList()} and returns the entry, for extra fields. */
    static ObjectNode addModel(ObjectNode list, String id, String ownedBy) {
        ObjectNode m = ((ArrayNode) list.get("data")).addObject();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", 0);
        m.put("owned_by", ownedBy);
        return m;
    }

    /** The OpenAI error object for a failure. */
    static ObjectNode errorBody(IccacheException e) {
        ObjectNode body = Json.object();
        ObjectNode error = body.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.kind().type());
        if (e.param().isPresent()) {
            error.put("param", e.param().get());
        } else {
            error.putNull("param");
        }
        if (e.code().isPresent()) {
            error.put("code", e.code().get());
        } else {
            error.putNull("code");
        }
        return body;
    }

    static void sendError(ServerResponse res, IccacheException e) {
        sendJson(res, e.kind().httpStatus(), errorBody(e));
    }

    static void sendJson(ServerResponse res, int status, ObjectNode body) {
        res.status(Status.create(status));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.bytes(body));
    }

    /** Starts an SSE response; headers must be set before. */
    static OutputStream startEventStream(ServerResponse res) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.create("X-Accel-Buffering"), "no");
        return res.outputStream();
    }

    /** Writes one {@code data:} event and flushes it; false if the client has gone away. */
    static boolean tryWriteEvent(OutputStream out, ObjectNode data) {
        return tryWriteEvent(out, Optional.empty(), data);
    }

    /** Writes one event, with an {@code event:} line when named, and flushes it; false if the client has gone away. */
    static boolean tryWriteEvent(OutputStream out, Optional<String> name, ObjectNode data) {
        try {
            if (name.isPresent()) {
                out.write(("event: " + name.get() + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.write(EVENT_PREFIX);
            out.write(Json.bytes(data));
            out.write(EVENT_END);
            out.flush();
            return true;
        } catch (IOException | UncheckedIOException | ServerConnectionException e) {
            return false;
        }
    }

    /**
     * Writes one event as a backend sent it ({@code event}: its lines without the blank line that
     * ended it) and flushes it; false if the client has gone away.
     */
    static boolean tryWriteRawEvent(OutputStream out, String event) {
        try {
            out.write(event.getBytes(StandardCharsets.UTF_8));
            out.write(EVENT_END);
            out.flush();
            return true;
        } catch (IOException | UncheckedIOException | ServerConnectionException e) {
            return false;
        }
    }

    /**
     * Ends a stream that already sent its 200 with an error event and no {@code [DONE]}, so clients
     * see the truncation (the OpenAI SDKs raise on an event with {@code error}).
     */
    static void tryEndWithError(OutputStream out, IccacheException e) {
        if (tryWriteEvent(out, errorBody(e))) {
            tryClose(out);
        }
    }

    /** Writes {@code data: [DONE]} and ends the response; false if the client has gone away. */
    static boolean tryFinish(OutputStream out) {
        try {
            out.write(DONE);
            out.flush();
        } catch (IOException | UncheckedIOException | ServerConnectionException e) {
            return false;
        }
        return tryClose(out);
    }

    /** Ends the response; false if the client has gone away. */
    static boolean tryClose(OutputStream out) {
        try {
            out.close();
            return true;
        } catch (IOException | UncheckedIOException | ServerConnectionException e) {
            return false;
        }
    }
}
