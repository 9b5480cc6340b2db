package dev.iccache.exact;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.Json;
import dev.iccache.config.TenantConfig;
import dev.iccache.metrics.Metrics;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.VirtualClock;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExactCacheTest {
    private static final Tenant A = new Tenant("a", true);
    private static final Tenant B = new Tenant("b", true);
    private static final Tenant OFF = new Tenant("off", true);
    private static final List<TenantConfig> TENANTS = List.of(new TenantConfig("a", "KEY_A", true),
            new TenantConfig("b", "KEY_B", true),
            new TenantConfig("off", "KEY_OFF", true, null, 0, false));

    private final VirtualClock clock = new VirtualClock();
    private final Metrics metrics = new Metrics();

    private ExactCache cache(long ttlSeconds, long maxBytes) {
        return new ExactCache(new ExactCacheSettings(true, ttlSeconds, maxBytes), TENANTS, clock, metrics);
    }

    private static ChatRequest request(String params, String question) {
        return ChatRequest.parse(("{\"model\":\"m\"," + params + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                + question + "\"}]}").getBytes(StandardCharsets.UTF_8));
    }

    private static ChatResponse answer(String text) {
        ObjectNode body = Json.object();
        body.put("id", "chatcmpl-1");
        body.put("created", 1);
        body.put("model", "large");
        body.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop").putObject("message")
                .put("role", "assistant").put("content", text);
        return new ChatResponse(body);
    }

    @Test
    void onlyDeterministicRequestsOfTenantsWithTheCacheHaveAKey() {
        ExactCache cache = cache(60, 1 << 20);
        assertThat(cache.key(request("\"temperature\":0", "q"), A)).isPresent();
        assertThat(cache.key(request("\"temperature\":0.7,\"seed\":3", "q"), A)).isPresent();
        assertThat(cache.key(request("\"temperature\":0.7", "q"), A)).isEmpty();
        assertThat(cache.key(request("\"top_p\":0.1", "q"), A)).isEmpty();
        assertThat(cache.key(request("\"temperature\":0", "q"), OFF)).isEmpty();
        ExactCache offByDefault = new ExactCache(new ExactCacheSettings(false, 60, 1 << 20),
                List.of(new TenantConfig("a", "KEY_A", true, null, 0, true)), clock, new Metrics());
        assertThat(offByDefault.key(request("\"temperature\":0", "q"), A)).isPresent();
        assertThat(offByDefault.key(request("\"temperature\":0", "q"), Tenant.DEFAULT)).isEmpty();
    }

    @Test
    void storesAnswersPerTenantWithoutTheirIds() {
        ExactCache cache = cache(60, 1 << 20);
        ChatRequest q = request("\"temperature\":0", "q");
        ExactCache.Key keyA = cache.key(q, A).orElseThrow();
        assertThat(cache.get(keyA)).isEmpty();
        cache.put(keyA, answer("forty-two"));
        ChatResponse hit = cache.get(keyA).orElseThrow();
        assertThat(hit.content()).isEqualTo("forty-two");
        assertThat(hit.body().has("id")).isFalse();
        assertThat(hit.body().has("created")).isFalse();
        assertThat(hit.body().path("model").asText()).isEqualTo("large");
        hit.body().put("model", "changed by a caller");
        assertThat(cache.get(keyA).orElseThrow().body().path("model").asText()).isEqualTo("large");

        ExactCache.Key keyB = cache.key(q, B).orElseThrow();
        assertThat(keyB.digest()).isEqualTo(keyA.digest());
        assertThat(cache.get(keyB)).isEmpty();
        assertThat(metrics.scrape()).contains("iccache_exact_cache_lookups_total{result=\"hit\"} 2.0",
                "iccache_exact_cache_lookups_total{result=\"miss\"} 2.0", "iccache_exact_cache_entries 1.0");
    }

    @Test
    void answersExpireAfterTheirTimeToLive() {
        ExactCache cache = cache(60, 1 << 20);
        ExactCache.Key key = cache.key(request("\"seed\":1", "q"), A).orElseThrow();
        cache.put(key, answer("kept"));
        clock.sleepNanos(TimeUnit.SECONDS.toNanos(59));
        assertThat(cache.get(key)).isPresent();
        cache.put(key, answer("stored again"));
        clock.sleepNanos(TimeUnit.SECONDS.toNanos(59));
        assertThat(cache.get(key).map(ChatResponse::content)).hasValue("stored again");
        clock.sleepNanos(TimeUnit.SECONDS.toNanos(2));
        assertThat(cache.get(key)).isEmpty();
        assertThat(cache.entries()).isZero();
        assertThat(metrics.scrape()).contains("iccache_exact_cache_evictions_total{cause=\"expired\"} 1.0");
    }

    @Test
    void staysWithinItsBytes() {
        long maxBytes = 16 * 1024;
        ExactCache cache = cache(60, maxBytes);
        String text = "x".repeat(900);
        for (int i = 0; i < 100; i++) {
            cache.put(cache.key(request("\"temperature\":0", "question " + i), A).orElseThrow(), answer(text));
            assertThat(cache.bytes()).isLessThanOrEqualTo(maxBytes);
        }
        assertThat(cache.entries()).isBetween(10L, 16L);
        assertThat(metrics.scrape()).containsPattern("iccache_exact_cache_evictions_total\\{cause=\"size\"\\} 8\\d\\.0");
        ExactCache.Key huge = cache.key(request("\"temperature\":0", "a long answer"), A).orElseThrow();
        cache.put(huge, answer("y".repeat((int) maxBytes)));
        assertThat(cache.bytes()).isLessThanOrEqualTo(maxBytes);
        assertThat(cache.get(huge)).isEmpty();
    }
}
