package dev.iccache.tenant;

import java.util.Set;

/**
 * Who a request belongs to.
 *
 * @param name     tenant name; its examples are stored under it
 * @param store    whether this tenant's traffic may be admitted to the example bank
 * @param scope    tenants whose examples this tenant's requests may use: itself, plus the tenants
 *                 that the configuration puts in the same domain
 * @param ttlHours hours this tenant's examples stay selectable; 0 = the bank's default
 */
public record Tenant(String name, boolean store, Set<String> scope, double ttlHours) {
    /** The tenant of every request when no API keys are configured. */
    public static final Tenant DEFAULT = new Tenant("default", true);

    public Tenant {
        scope = Set.copyOf(scope);
        if (!scope.contains(name)) {
            throw new IllegalArgumentException("a tenant's scope includes the tenant itself");
        }
    }

    /** A tenant alone in its domain, with the bank's TTL. */
    public Tenant(String name, boolean store) {
        this(name, store, Set.of(name), 0);
    }
}
