package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One tenant and the API key its clients send as {@code Authorization: Bearer KEY}.
 *
 * @param name      tenant name
 * @param apiKeyEnv environment variable holding the tenant's API key
 * @param store     whether the tenant's traffic may be admitted to the example bank (opt-out: false)
 */
public record TenantConfig(String name, String apiKeyEnv, boolean store) {
    public TenantConfig {
        if (name == null || name.isBlank()) {
            throw new ConfigException("tenants[].name is required");
        }
        if (apiKeyEnv == null || apiKeyEnv.isBlank()) {
            throw new ConfigException("tenant '" + name + "': api-key-env is required");
        }
    }

    @JsonCreator
    static TenantConfig fromYaml(@JsonProperty("name") String name, @JsonProperty("api-key-env") String apiKeyEnv,
            @JsonProperty("store") Boolean store) {
        return new TenantConfig(name, apiKeyEnv, store == null || store);
    }
}
