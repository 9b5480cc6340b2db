package dev.iccache.select;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.Lease;
import dev.iccache.tenant.OutageLog;
import dev.iccache.tenant.SharedState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Keeps selection's learned state the same on the gateways that share a store, with one learner (docs/selection.md,
 * "Shared selection state"). Each round, the gateway that holds the {@link Lease} of the job {@value #JOB} is the
 * learner: it runs selection's exploration probes (the others run none, {@link #learning}) and publishes the bank's
 * clusters (document {@value #CLUSTERS} in {@link Lease#DOMAIN}) and, for each domain in memory, its utility model
 * without its probes and its τ tuner (document {@value #NAME}), each when it changed. Every gateway adopts each
 * document that another gateway wrote since it last wrote or adopted it: so a follower takes on what the learner
 * publishes, and a gateway that takes the lease over starts from what its predecessor published and learns on. A
 * domain's document names the fit of the clusters its model was learned in, and is adopted only once the clusters of
 * that fit are; a follower's clusters fit none of their own. A document that cannot be read, written or adopted
 * leaves the state in memory as it is until a later round, with one warning per outage; nothing here throws.
 * Thread-safe.
 */
public final class SelectionSync {
    /** The job whose lease makes a gateway the learner. */
    public static final String JOB = "selection";
    /** The name of a domain's utility model and τ in the shared state. */
    static final String NAME = "selection";
    /** The name of the bank's clusters in the shared state. */
    static final String CLUSTERS = "selection-clusters";
    private static final System.Logger LOG = System.getLogger(SelectionSync.class.getName());

    private final SharedState shared;
    private final Lease lease;
    private final DomainStates<SelectionState> states;
    private final BankClusters clusters;
    private final OutageLog outage = new OutageLog(LOG, "selection sync");
    /** Each document as this gateway last wrote or adopted it, by domain and name (guarded by this). */
    private final Map<List<String>, String> seen = new HashMap<>();
    private volatile boolean learning;

    /**
     * @param lease    the lease of {@value #JOB}, with a ttl longer than the period of the rounds
     * @param states   every domain's utility model and τ
     * @param clusters the bank's clusters, in which the utility models key their per-cluster effects
     */
    public SelectionSync(SharedState shared, Lease lease, DomainStates<SelectionState> states, BankClusters clusters) {
        this.shared = shared;
        this.lease = lease;
        this.states = states;
        this.clusters = clusters;
    }

    /** Whether this gateway is the learner: it held the lease at the last round (not before the first). */
    public boolean learning() {
        return learning;
    }

    /** One round: holds or leaves the lease, then syncs the clusters and every domain in memory. */
    public synchronized void sync() {
        learning = lease.acquire();
        clusters.follow(!learning);
        boolean worked = sync(Lease.DOMAIN, CLUSTERS, () -> clusters.shared().toString(), this::adoptClusters);
        for (String domain : states.resident().stream().sorted().toList()) {
            worked &= sync(domain, NAME, () -> state(domain), json -> adopt(domain, json));
        }
        if (worked) {
            outage.worked();
        }
    }

    /**
     * Syncs one document: adopts it when it is not what this gateway last wrote or adopted; else (or when it cannot
     * be adopted), on the learner, writes this gateway's own when it differs. False when the store failed.
     *
     * @param own   this gateway's document; null when there is none
     * @param adopt adopts a document; false when it cannot be adopted (yet)
     */
    private boolean sync(String domain, String name, Supplier<String> own, Predicate<String> adopt) {
        List<String> key = List.of(domain, name);
        try {
            Optional<SharedState.Versioned> current = shared.read(domain, name);
            if (current.isPresent() && !current.get().json().equals(seen.get(key))
                    && adopt.test(current.get().json())) {
                seen.put(key, current.get().json());
                return true;
            }
            String json = learning ? own.get() : null;
            if (json == null || current.isPresent() && json.equals(current.get().json())) {
                return true;
            }
            if (current.isEmpty() ? shared.create(domain, name, json)
                    : shared.replace(domain, name, current.get().version(), json)) {
                seen.put(key, json);
            }
            return true;
        } catch (RuntimeException e) {
            outage.failed("syncing the shared selection state " + name + " of domain '" + domain
                    + "' (the state in memory is kept)", e);
            return false;
        }
    }

    /**
     * A domain's document: the fit of the clusters, the utility model (if it learns) and the τ tuner; null when the
     * domain's state has left memory (it is not brought back, nor marked as used).
     */
    private String state(String domain) {
        return states.ifResident(domain).map(state -> {
            ObjectNode json = Json.object().put("fit", clusters.fitId());
            state.utility().shared().ifPresent(u -> json.set("utility", u));
            json.set("threshold", state.tuner().shared());
            return json.toString();
        }).orElse(null);
    }

    private boolean adoptClusters(String json) {
        int[] mapping = clusters.adopt(parse(json));
        if (mapping.length > 0) {
            states.updateAll(s -> s.utility().clustersChanged(mapping));
        }
        return true;
    }

    /** Adopts a domain's document, unless its model was learned in other clusters than those in force. */
    private boolean adopt(String domain, String json) {
        JsonNode state = parse(json);
        if (!state.path("fit").asText().equals(clusters.fitId())) {
            return false;
        }
        states.update(domain, s -> {
            if (state.has("utility")) {
                s.utility().adopt(state.path("utility"));
            }
            s.tuner().adopt(state.path("threshold"));
        });
        return true;
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the shared selection state is not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
