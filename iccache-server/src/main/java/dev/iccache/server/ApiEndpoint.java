package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.api.Usage;
import dev.iccache.tenant.Tenant;
import dev.iccache.tenant.TenantResolver;
import dev.iccache.time.Ticker;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * One OpenAI endpoint besides chat completions ({@code /v1/embeddings}, {@code /v1/completions},
 * {@code /v1/responses}), handled as chat is: the tenant's key (401), the body within
 * {@code max-body-bytes} and the in-flight budget (413, 503), OpenAI-style errors, and the request
 * metrics labelled with the path, the answering model, the mode and the status; an issued key's
 * models, the key's and tenant's rates and the key's budget ({@link KeyLimits}), and the answer's
 * usage charged. A {@link Service} answers.
 */
final class ApiEndpoint implements Handler {
    /** Names the model that answered, on every response that has one. */
    static final HeaderName MODEL_HEADER = HeaderNames.create("x-iccache-model");
    private static final System.Logger LOG = System.getLogger(ApiEndpoint.class.getName());

    /** What answers a request whose tenant is known and whose body is a JSON object with a model. */
    @FunctionalInterface
    interface Service {
        /**
         * Answers on {@code res} and returns the status sent (499 when the client left mid-stream).
         * Failures before anything was sent are thrown; {@code call} gets the answering model and the
         * mode as soon as they are known.
         */
        int serve(ObjectNode body, String model, Call call, ServerResponse res);
    }

    /** What one request's metrics are labelled with and what its answer reported; the service fills it in. */
    static final class Call {
        private String model = "none";
        private boolean stream;
        private Optional<String> id = Optional.empty();
        private Optional<Usage> usage = Optional.empty();

        /** The model that answers, also sent as {@code x-iccache-model}. */
        void answeredBy(String name, ServerResponse res) {
            model = name;
            res.header(MODEL_HEADER, name);
        }

        void streamed(boolean value) {
            stream = value;
        }

        /**
         * Takes the id and token usage {@code answer} (a whole answer, or a stream event's data) reports, where it
         * reports them: OpenAI's {@code usage.prompt_tokens} and {@code completion_tokens}, or the Responses API's
         * {@code input_tokens} and {@code output_tokens}, at the top or under {@code response}.
         */
        void reported(JsonNode answer) {
            JsonNode at = answer.path("response").isObject() ? answer.path("response") : answer;
            if (at.path("id").isTextual()) {
                id = Optional.of(at.path("id").asText());
            }
            JsonNode u = at.path("usage");
            if (u.isObject()) {
                usage = Optional.of(new Usage(u.path("prompt_tokens").asInt(u.path("input_tokens").asInt(0)),
                        u.path("completion_tokens").asInt(u.path("output_tokens").asInt(0))));
            }
        }

        /** As {@link #reported(JsonNode)}, for a relayed server-sent event that carries usage in its data. */
        void reportedEvent(String event) {
            if (!event.contains("\"usage\"")) {
                return;
            }
            for (String line : event.split("\n")) {
                if (line.startsWith("data:") && !line.substring(5).isBlank() && !line.contains("[DONE]")) {
                    try {
                        reported(Json.parse(line.substring(5).strip().getBytes(StandardCharsets.UTF_8)));
                    } catch (IccacheException e) {
                        return; // not JSON: relayed as it is, nothing to count
                    }
                }
            }
        }
    }

    private final String endpoint;
    private final TenantResolver tenants;
    private final BodyBudget bodies;
    private final long maxBodyBytes;
    private final GatewayMetrics metrics;
    private final Ticker ticker;
    private final Service service;
    private final KeyLimits keyLimits;

    /**
     * @param endpoint  the path after {@code /v1/}
     * @param keyLimits checks the key's models, rate and budget, and charges every answer
     */
    ApiEndpoint(String endpoint, TenantResolver tenants, BodyBudget bodies, long maxBodyBytes, GatewayMetrics metrics,
            Ticker ticker, Service service, KeyLimits keyLimits) {
        this.endpoint = endpoint;
        this.tenants = tenants;
        this.bodies = bodies;
        this.maxBodyBytes = maxBodyBytes;
        this.metrics = metrics;
        this.ticker = ticker;
        this.service = service;
        this.keyLimits = keyLimits;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        long t0 = ticker.nanoTime();
        Call call = new Call();
        int status;
        AccessLog.Entry log = AccessLog.entry(req);
        try (BodyBudget.Reservation reservation = bodies.open()) {
            Optional<String> authorization = req.headers().first(HeaderNames.AUTHORIZATION);
            Tenant tenant = tenants.resolve(authorization);
            log.tenant(tenant.name());
            JsonNode body = Json.parse(OpenAiHttp.readBody(req, maxBodyBytes, reservation));
            if (!body.isObject()) {
                throw IccacheException.invalid(null, "The request body must be a JSON object.");
            }
            String model = ChatRequest.requireModel((ObjectNode) body);
            log.asked(model, false);
            KeyLimits.Charge charge = keyLimits.admit(authorization, tenant, model, (ObjectNode) body, res);
            status = service.serve((ObjectNode) body, model, call, res);
            if (status == 200) {
                charge.answered(call.model, call.usage);
                log.answered(call.id.orElse(null), call.usage);
            }
        } catch (IccacheException e) {
            status = fail(res, log.failed(e));
        } catch (UncheckedIOException e) {
            status = fail(res, log.failed(IccacheException.of(ErrorKind.INVALID_REQUEST,
                    "Could not read the request body: " + e.getCause().getMessage())));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "unexpected failure serving /v1/" + endpoint, e);
            status = fail(res, log.failed(IccacheException.of(ErrorKind.INTERNAL,
                    "iccache failed unexpectedly; the failure is logged.")));
        }
        log.streamed(call.stream);
        String stream = Boolean.toString(call.stream);
        String path = "/v1/" + endpoint;
        metrics.apiRequests.labelValues(path, call.model, stream, Integer.toString(status)).inc();
        metrics.apiDuration.labelValues(path, call.model, stream).observe((ticker.nanoTime() - t0) / 1e9);
    }

    private static int fail(ServerResponse res, IccacheException e) {
        if (e.kind().httpStatus() >= 500) {
            LOG.log(Level.WARNING, e.getMessage());
        }
        if (!res.isSent()) {
            OpenAiHttp.sendError(res, e);
        }
        return e.kind().httpStatus();
    }

    /**
     * Why {@code model} does not answer {@code endpoint}: the virtual model (routing applies to chat
     * completions only) or a model of the other kind get a 400, other names a 404; every message names
     * the models that do answer.
     *
     * @param served    the models that answer this endpoint
     * @param otherKind the models of the other kind (chat or embedding) and what they are called
     */
    static IccacheException notServed(String endpoint, String model, String virtualModel, List<String> served,
            List<String> otherKind, String otherKindName) {
        String available = served.isEmpty() ? "none is configured" : String.join(", ", served);
        if (model.equals(virtualModel)) {
            return new IccacheException(ErrorKind.INVALID_REQUEST, "The virtual model '" + virtualModel
                    + "' routes chat completions only; routing does not apply to /v1/" + endpoint
                    + ". Name one of the models it serves: " + available + ".", "model", "unsupported_model", null);
        }
        if (otherKind.contains(model)) {
            return new IccacheException(ErrorKind.INVALID_REQUEST, "'" + model + "' is " + otherKindName
                    + "; /v1/" + endpoint + " is served by: " + available + ".", "model", "unsupported_model", null);
        }
        return new IccacheException(ErrorKind.NOT_FOUND, "The model '" + model + "' does not exist. Available for /v1/"
                + endpoint + ": " + available + ".", "model", "model_not_found", null);
    }
}
