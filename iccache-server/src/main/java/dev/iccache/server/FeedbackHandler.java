package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.gateway.Gateway;
import dev.iccache.tenant.Tenant;
import dev.iccache.tenant.TenantResolver;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Optional;

/**
 * {@code POST /v1/feedback}: a user's verdict on a response iccache served,
 * {@code {"id": "chatcmpl-...", "rating": 1}} (positive: good, negative: bad) or
 * {@code {"id": ..., "score": 0.0..1.0}} (0.5 and above: good). It teaches the router (for a
 * routed response), the utility model and the statistics of the examples that response used. One verdict per response; only the tenant
 * that received the response may judge it.
 */
final class FeedbackHandler implements Handler {
    private final Gateway gateway;
    private final TenantResolver tenants;
    private final long maxBodyBytes;
    private final BodyBudget bodies;

    FeedbackHandler(Gateway gateway, TenantResolver tenants, long maxBodyBytes, BodyBudget bodies) {
        this.gateway = gateway;
        this.tenants = tenants;
        this.maxBodyBytes = maxBodyBytes;
        this.bodies = bodies;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        AccessLog.Entry log = AccessLog.entry(req);
        try (BodyBudget.Reservation reservation = bodies.open()) {
            Tenant tenant = tenants.resolve(req.headers().first(HeaderNames.AUTHORIZATION));
            log.tenant(tenant.name());
            JsonNode body = Json.parse(OpenAiHttp.readBody(req, maxBodyBytes, reservation));
            String id = body.path("id").asText("");
            log.answered(id, Optional.empty());
            if (id.isBlank()) {
                throw IccacheException.invalid("id", "'id' (the response id) is required.");
            }
            boolean good = verdict(body);
            if (!gateway.feedback(id, tenant, good)) {
                throw new IccacheException(ErrorKind.NOT_FOUND, "No recent routed or example-augmented response '" + id
                        + "' awaits feedback (already judged, too old, or another tenant's).", "id",
                        "response_not_found", null);
            }
            ObjectNode out = Json.object();
            out.put("id", id);
            out.put("accepted", true);
            OpenAiHttp.sendJson(res, 200, out);
        } catch (IccacheException e) {
            OpenAiHttp.sendError(res, log.failed(e));
        }
    }

    private static boolean verdict(JsonNode body) {
        JsonNode rating = body.get("rating");
        JsonNode score = body.get("score");
        if (rating != null && rating.isNumber() && rating.asDouble() != 0) {
            return rating.asDouble() > 0;
        }
        if (score != null && score.isNumber() && score.asDouble() >= 0 && score.asDouble() <= 1) {
            return score.asDouble() >= 0.5;
        }
        throw IccacheException.invalid("rating", "Send 'rating' (a non-zero number: positive is good) or 'score' "
                + "(0 to 1).");
    }
}
