package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The admin API for tenant API keys: {@code POST /admin/keys} issues one ({@code tenant}, optional
 * {@code rpm}, {@code tpm}, {@code budget} and {@code models}) and returns its secret once;
 * {@code GET /admin/keys} lists them without secrets; {@code DELETE /admin/keys/{id}} revokes one;
 * {@code POST /admin/keys/{id}/rotate} gives one a new secret; {@code GET /admin/spend} reports this
 * month's spend. Every route needs {@code Authorization: Bearer ADMIN_KEY}.
 */
final class KeyAdminRoutes {
    private static final Set<String> FIELDS = Set.of("tenant", "rpm", "tpm", "budget", "models");

    private final ApiKeyStore keys;
    private final Consumer<String> forgetCounts;
    private final SpendLedger spend;
    private final AdminKey adminKey;
    private final BodyBudget bodies;
    private final long maxBodyBytes;

    /** @param forgetCounts forgets the request and token counts of a revoked key ({@link KeyLimits#forget}) */
    KeyAdminRoutes(ApiKeyStore keys, Consumer<String> forgetCounts, SpendLedger spend, AdminKey adminKey,
            BodyBudget bodies,
            long maxBodyBytes) {
        this.keys = keys;
        this.forgetCounts = forgetCounts;
        this.spend = spend;
        this.adminKey = adminKey;
        this.bodies = bodies;
        this.maxBodyBytes = maxBodyBytes;
    }

    void register(HttpRules r) {
        r.post("/admin/keys", adminKey.guard(this::create));
        r.get("/admin/keys", adminKey.guard(this::list));
        r.delete("/admin/keys/{id}", adminKey.guard(this::revoke));
        r.post("/admin/keys/{id}/rotate", adminKey.guard(this::rotate));
        r.get("/admin/spend", adminKey.guard((req, res) -> OpenAiHttp.sendJson(res, 200, spend.report())));
    }


    private void create(ServerRequest req, ServerResponse res) {
        JsonNode body;
        try (BodyBudget.Reservation reservation = bodies.open()) {
            body = Json.parse(OpenAiHttp.readBody(req, maxBodyBytes, reservation));
        }
        if (!body.isObject()) {
            throw IccacheException.invalid(null, "The request body must be a JSON object.");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw IccacheException.invalid(name, "Unknown field '" + name + "'; the fields are: tenant, rpm, "
                        + "tpm, budget, models.");
            }
        }
        JsonNode tenant = body.path("tenant");
        if (!tenant.isTextual() || tenant.asText().isBlank()) {
            throw IccacheException.invalid("tenant", "'tenant' (the tenant the key belongs to) must be a non-empty "
                    + "string.");
        }
        int rpm = (int) limit(body, "rpm", "requests per minute", Integer.MAX_VALUE);
        long tpm = limit(body, "tpm", "tokens per minute", Long.MAX_VALUE);
        JsonNode budget = body.path("budget");
        if (!budget.isMissingNode() && !(budget.isNumber() && budget.asDouble() >= 0
                && Double.isFinite(budget.asDouble()))) {
            throw IccacheException.invalid("budget", "'budget' (spend per calendar month, in the currency of the "
                    + "prices; 0: unlimited) must be a number >= 0.");
        }
        Set<String> models = new LinkedHashSet<>();
        JsonNode m = body.path("models");
        if (!m.isMissingNode()) {
            if (!m.isArray()) {
                throw IccacheException.invalid("models", "'models' must be an array of model names.");
            }
            for (JsonNode name : m) {
                if (!name.isTextual() || name.asText().isBlank()) {
                    throw IccacheException.invalid("models", "'models' must be an array of model names.");
                }
                models.add(name.asText());
            }
        }
        ApiKeyStore.Issued issued = keys.create(tenant.asText(), rpm, tpm, budget.asDouble(0), models);
        OpenAiHttp.sendJson(res, 201, issuedBody(issued));
    }

    /** An optional limit: an integer from 0 (none, also when absent) to {@code max}. */
    private static long limit(JsonNode body, String name, String what, long max) {
        JsonNode n = body.path(name);
        if (n.isMissingNode()) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0 || n.asLong() > max) {
            throw IccacheException.invalid(name, "'" + name + "' (" + what + "; 0: unlimited) must be an integer from 0 "
                    + "to " + max + ".");
        }
        return n.asLong();
    }

    private void list(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object();
        var data = body.putArray("data");
        keys.list().forEach(k -> data.add(describe(k)));
        OpenAiHttp.sendJson(res, 200, body);
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!keys.revoke(id)) {
            throw noSuchKey();
        }
        forgetCounts.accept(id);
        ObjectNode body = Json.object();
        body.put("id", id);
        body.put("deleted", true);
        OpenAiHttp.sendJson(res, 200, body);
    }

    private void rotate(ServerRequest req, ServerResponse res) {
        ApiKeyStore.Issued issued = keys.rotate(req.path().pathParameters().get("id")).orElseThrow(this::noSuchKey);
        OpenAiHttp.sendJson(res, 200, issuedBody(issued));
    }

    private static ObjectNode issuedBody(ApiKeyStore.Issued issued) {
        ObjectNode body = describe(issued.key());
        body.put("key", issued.secret());
        return body;
    }

    private static ObjectNode describe(ApiKeyStore.ApiKey k) {
        ObjectNode n = Json.object();
        n.put("id", k.id());
        n.put("tenant", k.tenant());
        n.put("rpm", k.rpm());
        n.put("tpm", k.tpm());
        n.put("budget", k.budget());
        k.models().stream().sorted().forEach(n.putArray("models")::add);
        return n;
    }

    private IccacheException noSuchKey() {
        return new IccacheException(ErrorKind.NOT_FOUND, "No such API key.", "id", "key_not_found", null);
    }
}
