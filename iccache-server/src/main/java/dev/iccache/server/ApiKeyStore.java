package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.tenant.IssuedKeys;
import dev.iccache.tenant.TenantResolver;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Tenant API keys issued through the admin API, kept as SHA-256 digests of 256-bit random keys (the
 * key itself is returned once, on creation or rotation) in {@code keys.json} in the data dir, written
 * atomically and readable by its owner only, and read back at start.
 */
final class ApiKeyStore implements IssuedKeys {
    static final String FILE = "keys.json";

    /**
     * One issued key: its id, tenant, SHA-256 hex digest, requests and tokens per minute and monthly budget (0:
     * unlimited) and models (empty: any).
     */
    record ApiKey(String id, String tenant, String digest, int rpm, long tpm, double budget, Set<String> models) {
        ApiKey {
            models = Set.copyOf(models);
        }

        boolean allows(String model) {
            return models.isEmpty() || models.contains(model);
        }
    }

    /** A key just issued: its settings and the secret, shown this once. */
    record Issued(ApiKey key, String secret) {
    }

    private final Path file;
    private final SecureRandom random;
    private Map<String, ApiKey> byId = new LinkedHashMap<>();
    private volatile Map<String, ApiKey> byDigest = Map.of();

    private ApiKeyStore(Path file, SecureRandom random) {
        this.file = file;
        this.random = random;
    }

    /** The keys saved in {@code dataDir}, none when there is no file yet. */
    static ApiKeyStore open(Path dataDir, SecureRandom random) {
        ApiKeyStore store = new ApiKeyStore(dataDir.resolve(FILE), random);
        Json.readState(store.file, "API key file", "revoke every issued key").ifPresent(root -> {
            for (JsonNode k : root.path("keys")) {
                Set<String> models = new LinkedHashSet<>();
                k.path("models").forEach(m -> models.add(m.asText()));
                ApiKey key = new ApiKey(k.path("id").asText(), k.path("tenant").asText(), k.path("sha256").asText(),
                        k.path("rpm").asInt(), k.path("tpm").asLong(), k.path("budget").asDouble(), models);
                store.byId.put(key.id(), key);
            }
            store.index();
        });
        return store;
    }

    /** Issues a new key for {@code tenant} and saves it. */
    synchronized Issued create(String tenant, int rpm, long tpm, double budget, Set<String> models) {
        String secret = newSecret();
        ApiKey key = new ApiKey("key_" + HexFormat.of().formatHex(bytes(8)), tenant, TenantResolver.digest(secret), rpm,
                tpm, budget, models);
        Map<String, ApiKey> next = new LinkedHashMap<>(byId);
        next.put(key.id(), key);
        save(next);
        return new Issued(key, secret);
    }

    /** Replaces the secret of key {@code id}, keeping its id and settings; the old secret stops working at once. */
    synchronized Optional<Issued> rotate(String id) {
        ApiKey old = byId.get(id);
        if (old == null) {
            return Optional.empty();
        }
        String secret = newSecret();
        ApiKey key = new ApiKey(id, old.tenant(), TenantResolver.digest(secret), old.rpm(), old.tpm(), old.budget(),
                old.models());
        Map<String, ApiKey> next = new LinkedHashMap<>(byId);
        next.put(id, key);
        save(next);
        return Optional.of(new Issued(key, secret));
    }

    /** Revokes key {@code id}; false when there is no such key. */
    synchronized boolean revoke(String id) {
        if (!byId.containsKey(id)) {
            return false;
        }
        Map<String, ApiKey> next = new LinkedHashMap<>(byId);
        next.remove(id);
        save(next);
        return true;
    }

    /** The live keys, oldest first. */
    synchronized List<ApiKey> list() {
        return List.copyOf(byId.values());
    }

    /** The live key with this digest. */
    Optional<ApiKey> byDigest(String digest) {
        return Optional.ofNullable(byDigest.get(digest));
    }

    @Override
    public Optional<String> tenantOf(String keyDigest) {
        return byDigest(keyDigest).map(ApiKey::tenant);
    }

    @Override
    public boolean isEmpty() {
        return byDigest.isEmpty();
    }

    private String newSecret() {
        return "sk-icc-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /**
     * Writes {@code next} to the file (a temporary file moved over the old one), then makes it the live set:
     * a change that cannot be saved does not take effect.
     */
    private void save(Map<String, ApiKey> next) {
        ObjectNode root = Json.object();
        ArrayNode keys = root.putArray("keys");
        for (ApiKey k : next.values()) {
            ObjectNode n = keys.addObject();
            n.put("id", k.id());
            n.put("tenant", k.tenant());
            n.put("sha256", k.digest());
            n.put("rpm", k.rpm());
            n.put("tpm", k.tpm());
            n.put("budget", k.budget());
            k.models().stream().sorted().forEach(n.putArray("models")::add);
        }
        Json.writeAtomically(file, root);
        byId = next;
        index();
    }

    private void index() {
        Map<String, ApiKey> m = new LinkedHashMap<>();
        byId.values().forEach(k -> m.put(k.digest(), k));
        byDigest = Map.copyOf(m);
    }
}
