package dev.iccache.server;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.tenant.TenantResolver;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The checks a request made with an issued key passes before it is routed: the model it names must
 * be one the key allows (else 403 {@code model_not_allowed}), and the key must be within its
 * requests per minute (else 429 {@code rate_limit_exceeded} with {@code Retry-After}). Requests
 * with configured keys, or without keys, pass unchecked.
 */
final class KeyLimits {
    private final ApiKeyStore keys;
    private final RequestLimiter limiter;

    KeyLimits(ApiKeyStore keys, RequestLimiter limiter) {
        this.keys = keys;
        this.limiter = limiter;
    }

    /** Admits one request naming {@code model}, or throws; a refusal for the rate sets {@code Retry-After} on {@code res}. */
    void admit(Optional<String> authorization, String model, ServerResponse res) {
        Optional<ApiKeyStore.ApiKey> key = TenantResolver.bearer(authorization).map(TenantResolver::digest)
                .flatMap(keys::byDigest);
        if (key.isEmpty()) {
            return;
        }
        ApiKeyStore.ApiKey k = key.get();
        if (!k.allows(model)) {
            throw new IccacheException(ErrorKind.FORBIDDEN, "This API key may not use model '" + model
                    + "'; it may use: " + String.join(", ", k.models().stream().sorted().toList()) + ".", "model",
                    "model_not_allowed", null);
        }
        if (k.rpm() > 0) {
            OptionalLong retryAfter = limiter.acquire(k.id(), k.rpm());
            if (retryAfter.isPresent()) {
                res.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfter.getAsLong()));
                throw new IccacheException(ErrorKind.RATE_LIMITED, "Rate limit reached for this API key: "
                        + k.rpm() + " requests per minute. Retry after " + retryAfter.getAsLong() + " s.", null,
                        "rate_limit_exceeded", null);
            }
        }
    }

    /** Forgets the request count of a revoked key. */
    void forget(String id) {
        limiter.forget(id);
    }
}
