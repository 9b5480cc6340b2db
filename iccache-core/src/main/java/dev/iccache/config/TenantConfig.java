package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One tenant and the API key its clients send as {@code Authorization: Bearer KEY}.
 *
 * @param name      tenant name
 * @param apiKeyEnv environment variable holding the tenant's API key
 * @param store     whether the tenant's traffic may be admitted to the example bank (opt-out: false)
 * @param domain    tenants with the same domain share examples and learned state (utility model, τ, router
 *                  statistics); default: the tenant's own name (no sharing)
 * @param ttlHours  hours the tenant's examples stay selectable; 0 = {@code bank.ttl-hours}
 * @param exactCache whether identical deterministic requests of this tenant get the stored answer
 *                  ({@code exact-cache}); null = {@code exact-cache.enabled}
 * @param rpm       requests per minute of the whole tenant (all its keys) on chat and messages; 0 = unlimited
 * @param tpm       tokens per minute of the whole tenant, prompt and completion; 0 = unlimited
 */
public record TenantConfig(String name, String apiKeyEnv, boolean store, String domain, double ttlHours,
        Boolean exactCache, int rpm, long tpm) {
    public TenantConfig {
        if (name == null || name.isBlank()) {
            throw new ConfigException("tenants[].name is required");
        }
        if (apiKeyEnv == null || apiKeyEnv.isBlank()) {
            throw new ConfigException("tenant '" + name + "': api-key-env is required");
        }
        domain = domain == null || domain.isBlank() ? name : domain;
        if (ttlHours < 0) {
            throw new ConfigException("tenant '" + name + "': ttl-hours must not be negative, got " + ttlHours);
        }
        if (rpm < 0 || tpm < 0) {
            throw new ConfigException("tenant '" + name + "': rpm and tpm must not be negative");
        }
    }

    /** A tenant without request or token limits. */
    public TenantConfig(String name, String apiKeyEnv, boolean store, String domain, double ttlHours,
            Boolean exactCache) {
        this(name, apiKeyEnv, store, domain, ttlHours, exactCache, 0, 0);
    }

    /** This tenant with these requests and tokens per minute (0 = unlimited). */
    public TenantConfig withLimits(int newRpm, long newTpm) {
        return new TenantConfig(name, apiKeyEnv, store, domain, ttlHours, exactCache, newRpm, newTpm);
    }

    /** A tenant alone in its domain with the bank's TTL. */
    public TenantConfig(String name, String apiKeyEnv, boolean store) {
        this(name, apiKeyEnv, store, null, 0);
    }

    /** A tenant with the exact-match cache's global default. */
    public TenantConfig(String name, String apiKeyEnv, boolean store, String domain, double ttlHours) {
        this(name, apiKeyEnv, store, domain, ttlHours, null);
    }

    /** Whether the exact-match cache serves this tenant, given the global default. */
    public boolean exactCacheEnabled(boolean globalDefault) {
        return exactCache == null ? globalDefault : exactCache;
    }

    @JsonCreator
    static TenantConfig fromYaml(@JsonProperty("name") String name, @JsonProperty("api-key-env") String apiKeyEnv,
            @JsonProperty("store") Boolean store, @JsonProperty("domain") String domain,
            @JsonProperty("ttl-hours") Double ttlHours, @JsonProperty("exact-cache") Boolean exactCache,
            @JsonProperty("rpm") Integer rpm, @JsonProperty("tpm") Long tpm) {
        return new TenantConfig(name, apiKeyEnv, store == null || store, domain, ttlHours == null ? 0 : ttlHours,
                exactCache, rpm == null ? 0 : rpm, tpm == null ? 0 : tpm);
    }
}
