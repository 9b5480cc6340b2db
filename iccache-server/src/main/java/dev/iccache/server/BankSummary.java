package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.backend.http.PrometheusText;
import dev.iccache.backend.http.PrometheusText.Sample;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.metrics.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * What the dashboard shows of the example bank: examples per tenant with each tenant's most
 * valuable ones (the eviction's value: successful offloads decayed to now, docs/example-manager.md),
 * and the bank-wide admission, eviction and replay counts from the metrics. Reading every example
 * costs a scan of the bank, so a summary is reused for {@code maxAge}.
 */
final class BankSummary {
    private static final int TOP = 5;

    private final ExampleStore store;
    private final Metrics registry;
    private final InstantSource clock;
    private final Duration maxAge;
    private ObjectNode last;
    private Instant lastAt;

    BankSummary(ExampleStore store, Metrics registry, InstantSource clock, Duration maxAge) {
        this.store = store;
        this.registry = registry;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** The summary, at most {@code maxAge} old. */
    synchronized ObjectNode get() {
        Instant now = clock.instant();
        if (last == null || !now.isBefore(lastAt.plus(maxAge))) {
            last = summarise(now);
            lastAt = now;
        }
        return last;
    }

    private record Valued(Example example, double value) {
    }

    private ObjectNode summarise(Instant now) {
        ObjectNode body = Json.object();
        body.put("count", store.stats().count());
        ArrayNode tenants = body.putArray("tenants");
        store.stats().countByTenant().forEach((tenant, count) -> {
            ObjectNode t = tenants.addObject();
            t.put("tenant", tenant);
            t.put("count", count);
            PriorityQueue<Valued> top = new PriorityQueue<>(Comparator.comparingDouble(Valued::value));
            store.forEach(Optional.of(tenant), e -> {
                top.add(new Valued(e, e.stats().offloadsAt(now)));
                if (top.size() > TOP) {
                    top.poll();
                }
            });
            ArrayNode examples = t.putArray("top");
            top.stream().sorted(Comparator.comparingDouble(Valued::value).reversed()).forEach(v -> {
                ObjectNode x = examples.addObject();
                x.put("id", v.example().id());
                x.put("request", ChatRequest.lastUserText(v.example().messages()).orElse(""));
                x.put("value", Math.round(v.value() * 1000) / 1000.0);
                x.put("uses", v.example().stats().uses());
                x.put("replays", v.example().stats().replayCount());
            });
        });
        ObjectNode admissions = body.putObject("admissions");
        ObjectNode replays = body.putObject("replays");
        body.put("evictions", 0);
        for (Sample s : PrometheusText.parse(registry.scrape())) {
            switch (s.name()) {
                case "iccache_bank_admissions_total" -> admissions.put(s.labels().get("outcome"), (long) s.value());
                case "iccache_replay_total" -> replays.put(s.labels().get("outcome"), (long) s.value());
                case "iccache_bank_evictions_total" -> body.put("evictions", (long) s.value());
                default -> {
                }
            }
        }
        return body;
    }
}
