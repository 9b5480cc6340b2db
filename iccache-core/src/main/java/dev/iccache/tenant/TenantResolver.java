package dev.iccache.tenant;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.config.ConfigException;
import dev.iccache.config.TenantConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Resolves the tenant of a request from its API key. With no tenants configured there is no
 * authentication and every request belongs to {@link Tenant#DEFAULT}; with tenants configured a
 * request without a known key is refused (401). Tenants configured with the same {@code domain}
 * share examples and learned state; no others ever do. Keys issued at run time ({@link IssuedKeys}) count as
 * configured keys: while one is live, requests must authenticate.
 */
public final class TenantResolver {
    private final Map<String, Tenant> byKeyDigest = new HashMap<>();
    private final Map<String, Tenant> byName = new HashMap<>();
    private final IssuedKeys issued;

    public TenantResolver(List<TenantConfig> tenants, UnaryOperator<String> env) {
        this(tenants, env, IssuedKeys.NONE);
    }

    /** As {@link #TenantResolver(List, UnaryOperator)}, also accepting the keys in {@code issued}. */
    public TenantResolver(List<TenantConfig> tenants, UnaryOperator<String> env, IssuedKeys issued) {
        this.issued = issued;
        Map<String, Set<String>> domains = new HashMap<>();
        tenants.forEach(t -> domains.computeIfAbsent(t.domain(), d -> new HashSet<>()).add(t.name()));
        for (TenantConfig t : tenants) {
            String key = env.apply(t.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new ConfigException("tenant '" + t.name() + "': environment variable " + t.apiKeyEnv()
                        + " (api-key-env) is not set");
            }
            Tenant tenant = new Tenant(t.name(), t.domain(), t.store(), domains.get(t.domain()), t.ttlHours());
            if (byKeyDigest.put(digest(key), tenant) != null) {
                throw new ConfigException("tenant '" + t.name() + "': its API key is also another tenant's key");
            }
            byName.put(t.name(), tenant);
        }
    }

    /** The configured tenant of this name (for admin dry runs); empty when none is configured by it. */
    public Optional<Tenant> named(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Whether clients must authenticate. */
    public boolean authenticates() {
        return !byKeyDigest.isEmpty() || !issued.isEmpty();
    }

    /**
     * The tenant for an {@code Authorization} header value.
     *
     * @throws IccacheException 401 when keys are configured and this one is missing or unknown
     */
    public Tenant resolve(Optional<String> authorization) {
        if (!authenticates()) {
            return Tenant.DEFAULT;
        }
        String key = bearer(authorization).orElseThrow(() -> IccacheException.of(ErrorKind.AUTHENTICATION,
                "Missing API key: send 'Authorization: Bearer YOUR_KEY'."));
        String digest = digest(key);
        Tenant t = byKeyDigest.get(digest);
        if (t == null) {
            t = issued.tenantOf(digest).map(name -> named(name).orElseGet(() -> new Tenant(name, true))).orElse(null);
        }
        if (t == null) {
            throw new IccacheException(ErrorKind.AUTHENTICATION, "Incorrect API key provided.", null,
                    "invalid_api_key", null);
        }
        return t;
    }

    /** The token of a {@code Bearer} authorization value. */
    public static Optional<String> bearer(Optional<String> authorization) {
        return authorization.map(String::strip).filter(a -> a.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(a -> a.substring(7).strip()).filter(k -> !k.isEmpty());
    }

    /** Keys are compared by SHA-256 digest, so lookups take the same time whatever the key. */
    public static String digest(String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
