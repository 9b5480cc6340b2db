package dev.iccache.server;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Usage;
import dev.iccache.select.TokenCounter;
import dev.iccache.tenant.Tenant;
import dev.iccache.tenant.TenantResolver;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The checks a request made with an issued key passes before it is routed: the model it names must
 * be one the key allows (else 403 {@code model_not_allowed}), the key must be within its requests
 * and tokens per minute (else 429 {@code rate_limit_exceeded} with {@code Retry-After}) and within
 * its monthly budget (else 429 {@code insufficient_quota}). Tokens are the request's prompt, counted
 * with the gateway's tokenizer on admission, and the answer's completion tokens (its usage, else
 * counted), charged when it is served. Requests with configured keys, or without keys, pass
 * unchecked; every answer is charged to its tenant's spend.
 */
final class KeyLimits {
    /** What an admitted request still owes: the tokens and the price of its answer. */
    @FunctionalInterface
    interface Charge {
        /** Charges the answer {@code model} gave. */
        void answered(String model, ChatResponse answer);
    }

    private final ApiKeyStore keys;
    private final MinuteWindows requests;
    private final MinuteWindows tokens;
    private final TokenCounter counter;
    private final SpendLedger spend;

    KeyLimits(ApiKeyStore keys, MinuteWindows requests, MinuteWindows tokens, TokenCounter counter,
            SpendLedger spend) {
        this.keys = keys;
        this.requests = requests;
        this.tokens = tokens;
        this.counter = counter;
        this.spend = spend;
    }

    /**
     * Admits {@code request}, or throws; a refusal for the rate sets {@code Retry-After} on {@code res}. A request
     * refused for tokens still counts as a request.
     */
    Charge admit(Optional<String> authorization, Tenant tenant, ChatRequest request, ServerResponse res) {
        Optional<ApiKeyStore.ApiKey> key = TenantResolver.bearer(authorization).map(TenantResolver::digest)
                .flatMap(keys::byDigest);
        if (key.isEmpty()) {
            return (model, answer) -> charge(Optional.empty(), tenant, request, model, answer);
        }
        ApiKeyStore.ApiKey k = key.get();
        if (!k.allows(request.model())) {
            throw new IccacheException(ErrorKind.FORBIDDEN, "This API key may not use model '" + request.model()
                    + "'; it may use: " + String.join(", ", k.models().stream().sorted().toList()) + ".", "model",
                    "model_not_allowed", null);
        }
        if (k.rpm() > 0) {
            refuseIfOver(requests.acquire(k.id(), 1, k.rpm()), k.rpm() + " requests per minute", res);
        }
        if (k.tpm() > 0) {
            refuseIfOver(tokens.acquire(k.id(), counter.countRequest(request), k.tpm()),
                    k.tpm() + " tokens per minute", res);
        }
        if (k.budget() > 0 && spend.spentByKey(k.id()) >= k.budget()) {
            throw new IccacheException(ErrorKind.RATE_LIMITED, "This API key has spent its budget for the month ("
                    + k.budget() + ").", null, "insufficient_quota", null);
        }
        return (model, answer) -> {
            int completion = charge(Optional.of(k.id()), tenant, request, model, answer);
            if (k.tpm() > 0) {
                tokens.add(k.id(), completion);
            }
        };
    }

    /** Charges an answer to the spend; returns its completion tokens (its usage, else counted). */
    private int charge(Optional<String> keyId, Tenant tenant, ChatRequest request, String model, ChatResponse answer) {
        int prompt = answer.usage().map(Usage::promptTokens).orElseGet(() -> counter.countRequest(request));
        int completion = answer.usage().map(Usage::completionTokens).orElseGet(() -> counter.count(answer.content()));
        spend.charge(keyId, tenant.name(), model, prompt, completion);
        return completion;
    }

    private static void refuseIfOver(OptionalLong retryAfter, String limit, ServerResponse res) {
        if (retryAfter.isPresent()) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfter.getAsLong()));
            throw new IccacheException(ErrorKind.RATE_LIMITED, "Rate limit reached for this API key: " + limit
                    + ". Retry after " + retryAfter.getAsLong() + " s.", null, "rate_limit_exceeded", null);
        }
    }

    /** Forgets the counts of a revoked key. */
    void forget(String id) {
        requests.forget(id);
        tokens.forget(id);
    }
}
