package dev.iccache.route;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.OutageLog;
import dev.iccache.tenant.SharedState;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the routers of the gateways that share a store in step (docs/routing.md, "Shared router state"). A domain's
 * bandit starts from the domain's shared state when there is one. Each round drains what a bandit learned since the
 * last (a {@link BanditStatistics} delta), applies it to the shared state read with its version, writes the result
 * by compare-and-set (reading again on a lost race, at most {@link #ATTEMPTS} times), and rebases the bandit on it
 * followed by what it learned meanwhile. A round that fails keeps what it drained for the next one and logs one
 * warning per outage; nothing here throws. Rebasing does not go through {@link DomainStates#update}, so a domain's
 * local checkpoint is written, as before, when this gateway learned. Thread-safe.
 */
public final class RouterSync {
    /** The name of a domain's router in the shared state. */
    static final String NAME = "router";
    /** Compare-and-set attempts per bandit and round. */
    static final int ATTEMPTS = 8;
    private static final System.Logger LOG = System.getLogger(RouterSync.class.getName());

    private final SharedState shared;
    /** Every bandit loaded, with its domain, until a round has synced it after it left memory. */
    private final Map<LinearThompsonBandit, String> bandits = new ConcurrentHashMap<>();
    private final OutageLog outage = new OutageLog(LOG, "router sync");

    public RouterSync(SharedState shared) {
        this.shared = shared;
    }

    /**
     * Loads a domain's new bandit: from the domain's shared state when there is one, else from its local
     * {@code checkpoint} (also when the shared state cannot be read, logged); rounds keep it in step from now on.
     */
    public void load(String domain, LinearThompsonBandit bandit, Path checkpoint) {
        if (!restoreShared(domain, bandit)) {
            bandit.restore(checkpoint);
        }
        bandits.put(bandit, domain);
    }

    private boolean restoreShared(String domain, LinearThompsonBandit bandit) {
        try {
            Optional<SharedState.Versioned> state = shared.read(domain, NAME);
            state.ifPresent(v -> bandit.rebase(parse(bandit, v)));
            return state.isPresent();
        } catch (RuntimeException e) {
            outage.failed("reading the shared router state of domain " + domain + " (the local checkpoint is used)", e);
            return false;
        }
    }

    /**
     * One round: syncs every bandit loaded, and forgets each that is no longer {@code routers}' bandit of its
     * domain once it has been synced.
     */
    public synchronized void sync(DomainStates<Router> routers) {
        bandits.forEach((bandit, domain) -> {
            if (sync(domain, bandit) && routers.settled(domain).filter(r -> r.bandit() == bandit).isEmpty()) {
                bandits.remove(bandit);
            }
        });
    }

    /** Syncs one bandit; false, with what was drained pending again, when the store failed or stayed contended. */
    synchronized boolean sync(String domain, LinearThompsonBandit bandit) {
        BanditStatistics drained = BanditStatistics.NO_CHANGE;
        try {
            Optional<SharedState.Versioned> current = shared.read(domain, NAME);
            // With no shared state yet, this bandit's whole state seeds it.
            drained = bandit.drain(current.isEmpty());
            bandit.rebase(drained.arms().isEmpty() ? state(bandit, current) : push(domain, bandit, drained, current));
        } catch (RuntimeException e) {
            bandit.requeue(drained);
            outage.failed("syncing the router of domain " + domain + " (what it learned is kept for the next round)", e);
            return false;
        }
        outage.worked();
        return true;
    }

    /**
     * Applies {@code delta} to the shared state read as {@code current} and writes the result by compare-and-set,
     * reading again after a lost race; the state written.
     */
    private BanditStatistics push(String domain, LinearThompsonBandit bandit, BanditStatistics delta,
            Optional<SharedState.Versioned> current) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            BanditStatistics merged = state(bandit, current).then(delta, bandit.forgetting());
            String json = merged.toJson(bandit.dimension()).toString();
            if (current.isEmpty() ? shared.create(domain, NAME, json)
                    : shared.replace(domain, NAME, current.get().version(), json)) {
                return merged;
            }
            current = shared.read(domain, NAME);
        }
        throw new IllegalStateException("no compare-and-set won in " + ATTEMPTS + " attempts");
    }

    /** The shared state read, or the prior when there is none. */
    private static BanditStatistics state(LinearThompsonBandit bandit, Optional<SharedState.Versioned> read) {
        return read.isEmpty() ? bandit.priorState() : parse(bandit, read.get());
    }

    private static BanditStatistics parse(LinearThompsonBandit bandit, SharedState.Versioned state) {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(state.json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the shared router state is not valid JSON: " + e.getOriginalMessage());
        }
        return bandit.parse(json).orElseThrow(() -> new IllegalStateException(
                "the shared router state has another dimension than " + bandit.dimension()));
    }
}
