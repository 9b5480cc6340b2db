package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.config.ModelPrice;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import java.nio.file.Path;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Spend in the current calendar month (UTC), per issued key and per tenant and model, priced from the
 * configured {@code prices}; saved to {@code spend.json} in the data dir after every charge and read
 * back at start, so budgets hold across restarts. A new month starts from zero. Each charge also
 * increases the counter {@code iccache_spend_total{tenant,model}}.
 */
final class SpendLedger {
    static final String FILE = "spend.json";

    private final Path file;
    private final InstantSource clock;
    private final Counter spend;
    private YearMonth period;
    private final Map<String, Double> byKey = new TreeMap<>();
    private final Map<String, Map<String, Double>> byTenant = new TreeMap<>();

    private SpendLedger(Path file, InstantSource clock, Metrics registry) {
        this.file = file;
        this.clock = clock;
        this.spend = registry.counter("iccache_spend_total", "Spend on answers, from the configured prices",
                "tenant", "model");
        this.period = now();
    }

    /** The ledger saved in {@code dataDir}, empty when there is none yet or it is of an earlier month. */
    static SpendLedger open(Path dataDir, InstantSource clock, Metrics registry) {
        SpendLedger ledger = new SpendLedger(dataDir.resolve(FILE), clock, registry);
        Json.readState(ledger.file, "spend file", "start this month's spend from zero")
                .filter(root -> root.path("period").asText().equals(ledger.period.toString()))
                .ifPresent(root -> {
                    root.path("keys").fields().forEachRemaining(e -> ledger.byKey.put(e.getKey(),
                            e.getValue().asDouble()));
                    for (Iterator<Map.Entry<String, JsonNode>> t = root.path("tenants").fields(); t.hasNext(); ) {
                        Map.Entry<String, JsonNode> tenant = t.next();
                        Map<String, Double> models = ledger.byTenant.computeIfAbsent(tenant.getKey(),
                                k -> new TreeMap<>());
                        tenant.getValue().fields().forEachRemaining(m -> models.put(m.getKey(), m.getValue().asDouble()));
                    }
                });
        return ledger;
    }

    /**
     * Charges an answer of {@code model} at {@code price} to {@code tenant} and, when it was made with an issued key,
     * to {@code keyId}.
     */
    synchronized void charge(Optional<String> keyId, String tenant, String model, ModelPrice price, long promptTokens,
            long completionTokens) {
        double cost = price.of(promptTokens, completionTokens);
        rollOver();
        keyId.ifPresent(id -> byKey.merge(id, cost, Double::sum));
        byTenant.computeIfAbsent(tenant, t -> new TreeMap<>()).merge(model, cost, Double::sum);
        Json.writeAtomically(file, report());
        spend.labelValues(tenant, model).inc(cost);
    }

    /** What issued key {@code id} has spent this month. */
    synchronized double spentByKey(String id) {
        rollOver();
        return byKey.getOrDefault(id, 0.0);
    }

    /** {@code {"period": "2026-12", "tenants": {tenant: {model: spend}}, "keys": {id: spend}}}. */
    synchronized ObjectNode report() {
        rollOver();
        ObjectNode root = Json.object();
        root.put("period", period.toString());
        ObjectNode tenants = root.putObject("tenants");
        byTenant.forEach((t, models) -> models.forEach(tenants.putObject(t)::put));
        ObjectNode keys = root.putObject("keys");
        byKey.forEach(keys::put);
        return root;
    }

    private void rollOver() {
        YearMonth now = now();
        if (!now.equals(period)) {
            period = now;
            byKey.clear();
            byTenant.clear();
        }
    }

    private YearMonth now() {
        return YearMonth.from(clock.instant().atZone(ZoneOffset.UTC));
    }
}
