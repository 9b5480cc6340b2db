package dev.iccache.tenant;

import java.util.Set;

/**
 * Who a request belongs to.
 *
 * @param name     tenant name; its examples are stored under it
 * @param domain   the domain whose examples and learned state (utility model, τ, router statistics)
 *                 this tenant's requests use and its feedback teaches; shared only with the tenants
 *                 configured in the same domain
 * @param store    whether this tenant's traffic may be admitted to the example bank
 * @param scope    tenants whose examples this tenant's requests may use: itself, plus the tenants
 *                 that the configuration puts in the same domain
 * @param ttlHours hours this tenant's examples stay selectable; 0 = the bank's default
 */
public record Tenant(String name, String domain, boolean store, Set<String> scope, double ttlHours) {
    /** The tenant of every request when no API keys are configured, alone in the domain {@code default}. */
    public static final Tenant DEFAULT = new Tenant("default", true);

    public Tenant {
        scope = Set.copyOf(scope);
        if (!scope.contains(name)) {
            throw new IllegalArgumentException("a tenant's scope includes the tenant itself");
        }
        if (domain == null || domain.isBlank()) {
            throw new IllegalArgumentException("tenant '" + name + "' needs a domain");
        }
    }

    /** A tenant alone in a domain of its own name, with the bank's TTL. */
    public Tenant(String name, boolean store) {
        this(name, name, store, Set.of(name), 0);
    }
}
