package dev.iccache.tenant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;

/**
 * The right to run one job for all the gateways sharing a store, held by one of them until an instant: the document
 * {@code {"holder", "expires_at"}} named after the job in {@link #DOMAIN} of the {@link SharedState}, written by
 * compare-and-set, so two holders never both hold it (docs/example-store.md, "One run per cluster: leases"). Each try is
 * counted in {@code iccache_cluster_lease_total{job, outcome}}: held, skipped (another gateway holds it) or failed
 * (the store failed: logged once per outage; nothing here throws). Thread-safe.
 */
public final class Lease {
    /**
     * The domain of the leases: blank, which no tenant's domain is (a tenant configured with a blank domain is in
     * the domain of its own name).
     */
    public static final String DOMAIN = " ";
    private static final System.Logger LOG = System.getLogger(Lease.class.getName());

    private final SharedState shared;
    private final String job;
    private final String holder;
    private final Duration ttl;
    private final InstantSource clock;
    private final Counter tries;
    private final OutageLog outage;

    /**
     * The lease of {@code job} as {@code holder} (one per gateway process) would hold it: for {@code ttl} from each
     * acquisition, a bit longer than the job's period, so that the holder renews it before it expires.
     */
    public Lease(SharedState shared, String job, String holder, Duration ttl, InstantSource clock, Metrics metrics) {
        if (!ttl.isPositive()) {
            throw new IllegalArgumentException("a lease's ttl must be positive, got " + ttl);
        }
        this.shared = shared;
        this.job = job;
        this.holder = holder;
        this.ttl = ttl;
        this.clock = clock;
        this.outage = new OutageLog(LOG, "the " + job + " lease");
        this.tries = metrics.counter("iccache_cluster_lease_total",
                "Tries to hold the lease of a job that one gateway of those sharing the bank runs, by outcome "
                        + "(held, skipped: another gateway holds it, failed: the store failed).", "job", "outcome");
    }

    /**
     * Holds the lease until the clock's now plus the ttl, if no other holder's is still running: creates it when
     * there is none, renews it when this holder has it, takes it over when it expired. Whether this holder now holds
     * it; false when the store failed.
     */
    public boolean acquire() {
        try {
            boolean held = tryAcquire();
            outage.worked();
            tries.labelValues(job, held ? "held" : "skipped").inc();
            return held;
        } catch (RuntimeException e) {
            outage.failed("acquiring the " + job + " lease (" + job + " is skipped)", e);
            tries.labelValues(job, "failed").inc();
            return false;
        }
    }

    private boolean tryAcquire() {
        Instant now = clock.instant();
        String next = Json.MAPPER.createObjectNode().put("holder", holder)
                .put("expires_at", now.plus(ttl).toString()).toString();
        Optional<SharedState.Versioned> current = shared.read(DOMAIN, job);
        if (current.isEmpty()) {
            return shared.create(DOMAIN, job, next);
        }
        JsonNode held = parse(current.get().json());
        boolean ours = held.path("holder").asText().equals(holder);
        if (!ours && now.isBefore(Instant.parse(held.path("expires_at").asText()))) {
            return false;
        }
        return shared.replace(DOMAIN, job, current.get().version(), next);
    }

    private JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the " + job + " lease is not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
