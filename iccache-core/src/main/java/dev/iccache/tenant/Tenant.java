package dev.iccache.tenant;

/**
 * Who a request belongs to.
 *
 * @param name  tenant name; examples are stored and searched under it
 * @param store whether this tenant's traffic may be admitted to the example bank
 */
public record Tenant(String name, boolean store) {
    /** The tenant of every request when no API keys are configured. */
    public static final Tenant DEFAULT = new Tenant("default", true);
}
