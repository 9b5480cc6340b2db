package dev.iccache.exact;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.Json;
import dev.iccache.config.TenantConfig;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Answers to deterministic chat requests (temperature 0, or a seed), kept for a while so that an
 * identical request of the same tenant gets the stored answer without a model call. The key is the
 * tenant and the SHA-256 of the request's canonical JSON ({@link CanonicalRequest}), so answers never
 * cross tenants. Answers are kept as JSON bytes, for {@code ttl-seconds} after they were stored,
 * within {@code max-bytes} (Caffeine's size-based eviction, W-TinyLFU; maintenance runs on the calling
 * thread). Two identical requests at the same time both miss, and the later answer stays.
 */
public final class ExactCache {
    /** Bytes a key costs besides its tenant name: the digest and the entry's bookkeeping. */
    private static final int KEY_BYTES = 128;

    private final Cache<Key, byte[]> answers;
    private final boolean enabledByDefault;
    private final Map<String, Boolean> enabledByTenant;
    private final Counter lookups;

    /**
     * @param tenants the configured tenants, with their own {@code exact-cache}
     * @param ticker  measures the time-to-live
     */
    public ExactCache(ExactCacheSettings settings, List<TenantConfig> tenants, Ticker ticker, Metrics metrics) {
        this.enabledByDefault = settings.enabled();
        this.enabledByTenant = tenants.stream().collect(Collectors.toUnmodifiableMap(TenantConfig::name,
                t -> t.exactCacheEnabled(settings.enabled())));
        this.lookups = metrics.counter("iccache_exact_cache_lookups_total",
                "Deterministic requests looked up in the exact-match cache, by result (hit, miss).", "result");
        Counter evictions = metrics.counter("iccache_exact_cache_evictions_total",
                "Answers dropped from the exact-match cache, by cause (expired, size).", "cause");
        this.answers = Caffeine.newBuilder()
                .maximumWeight(settings.maxBytes())
                .weigher((Key k, byte[] v) -> (int) Math.min(Integer.MAX_VALUE, k.bytes() + (long) v.length))
                .expireAfterWrite(Duration.ofSeconds(settings.ttlSeconds()))
                .ticker(ticker::nanoTime)
                .executor(Runnable::run)
                .evictionListener((Key k, byte[] v, RemovalCause cause) -> evictions.labelValues(
                        cause == RemovalCause.EXPIRED ? "expired" : "size").inc())
                .build();
        metrics.gauge("iccache_exact_cache_entries", "Answers in the exact-match cache.")
                .track(this::entries);
        metrics.gauge("iccache_exact_cache_bytes", "Bytes of answers and keys in the exact-match cache.")
                .track(this::bytes);
    }

    /**
     * The key of a request when the cache serves its tenant and the request is deterministic
     * (temperature 0, or a seed); empty otherwise.
     */
    public Optional<Key> key(ChatRequest request, Tenant tenant) {
        boolean enabled = enabledByTenant.getOrDefault(tenant.name(), enabledByDefault);
        boolean deterministic = request.seed().isPresent() || request.temperature().orElse(1) == 0;
        return enabled && deterministic ? Optional.of(new Key(tenant.name(), CanonicalRequest.digest(request)))
                : Optional.empty();
    }

    /** The answer stored under {@code key}, when one is and it has not expired; counted as a hit or a miss. */
    public Optional<ChatResponse> get(Key key) {
        byte[] stored = answers.getIfPresent(key);
        lookups.labelValues(stored == null ? "miss" : "hit").inc();
        return Optional.ofNullable(stored).map(b -> new ChatResponse((ObjectNode) Json.parse(b)));
    }

    /** Stores a complete answer under {@code key}, without its {@code id} and {@code created}. */
    public void put(Key key, ChatResponse answer) {
        ObjectNode body = answer.body().deepCopy();
        body.remove("id");
        body.remove("created");
        answers.put(key, Json.bytes(body));
    }

    /** Bytes of answers and keys held now, as the size limit counts them. */
    public long bytes() {
        answers.cleanUp();
        return answers.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    /** Answers held now (expired ones included until the cache's next maintenance). */
    public long entries() {
        answers.cleanUp();
        return answers.estimatedSize();
    }

    /**
     * Where an answer is stored.
     *
     * @param tenant the tenant whose request it answered
     * @param digest hex SHA-256 of the request's canonical JSON
     */
    public record Key(String tenant, String digest) {
        long bytes() {
            return KEY_BYTES + 2L * tenant.length();
        }
    }
}
