package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.bank.StoreStats;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.embed.Embedder;
import dev.iccache.gateway.Gateway;
import dev.iccache.gateway.Route;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.tenant.Tenant;
import dev.iccache.tenant.TenantResolver;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.InstantSource;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The admin API under {@code /admin/}: search, read and delete examples, delete a tenant's
 * examples, bank statistics, and explanations of example selection. Every route needs {@code Authorization: Bearer ADMIN_KEY}; with no
 * admin key configured the admin API is off.
 */
final class AdminRoutes {
    private static final int MAX_K = 100;

    private final ExampleStore store;
    private final UserPseudonyms users;
    private final Embedder embedder;
    private final InstantSource clock;
    private final AdminKey adminKey;
    private final Supplier<Gateway> gateway;
    private final Supplier<TenantResolver> tenants;
    private final BodyBudget bodies;

    /** @param gateway and {@code tenants}: those of the configuration in force (a reload replaces them) */
    AdminRoutes(ExampleStore store, UserPseudonyms users, Embedder embedder, InstantSource clock, AdminKey adminKey,
            Supplier<Gateway> gateway, Supplier<TenantResolver> tenants, BodyBudget bodies) {
        this.store = store;
        this.users = users;
        this.embedder = embedder;
        this.clock = clock;
        this.adminKey = adminKey;
        this.gateway = gateway;
        this.tenants = tenants;
        this.bodies = bodies;
    }

    void register(HttpRules r) {
        registerBankEdits(r, "/admin", adminKey::guard);
        r.get("/admin/examples/{id}", adminKey.guard(this::get));
        r.delete("/admin/tenants/{tenant}/users/{user}/examples", adminKey.guard(this::deleteUser));
        r.get("/admin/bank/stats", adminKey.guard(this::stats));
        r.get("/admin/selections/{id}", adminKey.guard(this::selection));
        r.post("/admin/explain", adminKey.guard(this::explain));
    }

    /**
     * Search, delete of an example and of a tenant's examples under {@code prefix}, each behind
     * {@code guard} (the admin key here, also a dashboard session for the dashboard).
     */
    void registerBankEdits(HttpRules r, String prefix, UnaryOperator<Handler> guard) {
        r.get(prefix + "/examples/search", guard.apply(this::search));
        r.delete(prefix + "/examples/{id}", guard.apply(this::delete));
        r.delete(prefix + "/tenants/{tenant}/examples", guard.apply(this::deleteTenant));
    }

    private void search(ServerRequest req, ServerResponse res) {
        String q = req.query().first("q").orElseThrow(() -> IccacheException.invalid("q",
                "Query parameter 'q' (the text to search for) is required."));
        int k = parseK(req.query().first("k").orElse("10"));
        Set<String> tenants = req.query().first("tenant").asOptional().map(Set::of)
                .orElseGet(() -> store.stats().countByTenant().keySet());
        ObjectNode body = Json.object();
        ArrayNode results = body.putArray("results");
        if (!tenants.isEmpty()) {
            for (SearchHit hit : store.search(embedder.embed(q), tenants, k, clock.instant())) {
                ObjectNode r = summary(hit.example());
                r.put("score", hit.score());
                results.add(r);
            }
        }
        OpenAiHttp.sendJson(res, 200, body);
    }

    private static int parseK(String k) {
        try {
            int v = Integer.parseInt(k);
            if (v >= 1 && v <= MAX_K) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw IccacheException.invalid("k", "'k' must be an integer from 1 to " + MAX_K + ".");
    }

    private void get(ServerRequest req, ServerResponse res) {
        Example e = store.get(req.path().pathParameters().get("id")).orElseThrow(this::noSuchExample);
        ObjectNode body = summary(e);
        body.put("embedded_text", e.embeddedText());
        body.put("request_tokens", e.requestTokens());
        body.put("response_tokens", e.responseTokens());
        body.put("created_at", e.createdAt().toString());
        e.expiresAt().ifPresent(x -> body.put("expires_at", x.toString()));
        if (e.quality().isPresent()) {
            body.put("quality", e.quality().getAsDouble());
        }
        ObjectNode stats = body.putObject("stats");
        stats.put("uses", e.stats().uses());
        stats.put("decayed_offloads", e.stats().offloadsAt(clock.instant()));
        stats.put("replay_gain_ema", e.stats().replayGainEma());
        stats.put("replay_count", e.stats().replayCount());
        OpenAiHttp.sendJson(res, 200, body);
    }

    private void delete(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!store.delete(id)) {
            throw noSuchExample();
        }
        ObjectNode body = Json.object();
        body.put("id", id);
        body.put("deleted", true);
        OpenAiHttp.sendJson(res, 200, body);
    }

    private void deleteTenant(ServerRequest req, ServerResponse res) {
        String tenant = req.path().pathParameters().get("tenant");
        ObjectNode body = Json.object();
        body.put("tenant", tenant);
        body.put("deleted", store.deleteTenant(tenant));
        OpenAiHttp.sendJson(res, 200, body);
    }

    /**
     * Erases one end user's examples (requests that named them in the OpenAI {@code user} field), found by
     * the user's pseudonym; a pseudonym itself is accepted too.
     */
    private void deleteUser(ServerRequest req, ServerResponse res) {
        String tenant = req.path().pathParameters().get("tenant");
        String user = req.path().pathParameters().get("user");
        ObjectNode body = Json.object();
        body.put("tenant", tenant);
        body.put("user", user);
        body.put("deleted", store.deleteUser(tenant, users.pseudonym(user)));
        OpenAiHttp.sendJson(res, 200, body);
    }

    private void stats(ServerRequest req, ServerResponse res) {
        StoreStats s = store.stats();
        ObjectNode body = Json.object();
        body.put("count", s.count());
        ObjectNode perTenant = body.putObject("count_by_tenant");
        s.countByTenant().forEach(perTenant::put);
        body.put("plaintext_bytes", s.plaintextBytes());
        body.put("index_bytes", s.indexBytes());
        OpenAiHttp.sendJson(res, 200, body);
    }

    /** The selection behind a recent response: candidates, scores, verdicts. */
    private void selection(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        InContextAugmenter.Used used = gateway.get().augmenter().flatMap(a -> a.explain(id)).orElseThrow(
                () -> new IccacheException(ErrorKind.NOT_FOUND, "No recent selection for response '" + id
                        + "' (kept for the last " + "10,000 responses that had one).", "id", "selection_not_found",
                        null));
        ObjectNode body = Explanations.of(used.selection());
        body.put("response_id", id);
        body.put("target_model", used.targetModel());
        body.put("tenant", used.tenant());
        OpenAiHttp.sendJson(res, 200, body);
    }

    /**
     * Dry run: what selection would do for a chat request (for tenant {@code ?tenant=}, default
     * {@code default}, with its domain's examples and learned state), the prompt it would send and, for
     * a routed request, the router's view of each arm; no backend is called.
     */
    private void explain(ServerRequest req, ServerResponse res) {
        Gateway g = gateway.get();
        ChatRequest request;
        try (BodyBudget.Reservation body = bodies.open()) {
            long maxBodyBytes = g.config().server().maxBodyBytes();
            request = ChatRequest.parse(OpenAiHttp.readBody(req, maxBodyBytes, body));
        }
        String name = req.query().first("tenant").orElse(Tenant.DEFAULT.name());
        Tenant tenant = tenants.get().named(name).orElseGet(() -> new Tenant(name, true));
        Route route = g.route(request, tenant);
        ObjectNode body = route.augmented().selection().map(Explanations::of).orElseGet(Json::object);
        body.put("target_model", route.backend().config().name());
        body.put("route", route.reason());
        body.put("examples", route.examples());
        body.set("upstream_messages", route.augmented().upstream().messages());
        route.plan().ifPresent(plan -> body.set("routing", Explanations.of(plan,
                g.routing().orElseThrow().routers().get(tenant.domain()))));
        OpenAiHttp.sendJson(res, 200, body);
    }

    private IccacheException noSuchExample() {
        return new IccacheException(ErrorKind.NOT_FOUND, "No such example.", "id", "example_not_found", null);
    }

    private static ObjectNode summary(Example e) {
        ObjectNode r = Json.object();
        r.put("id", e.id());
        r.put("tenant", e.tenant());
        r.set("request", e.messages());
        r.put("response", e.response());
        r.put("model", e.model());
        return r;
    }
}
