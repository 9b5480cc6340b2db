package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Usage;
import dev.iccache.config.ModelPrice;
import dev.iccache.config.TenantConfig;
import dev.iccache.select.TokenCounter;
import dev.iccache.tenant.Tenant;
import dev.iccache.tenant.TenantResolver;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * The checks a request passes before it is routed: with an issued key, the model it names must be
 * one the key allows (else 403 {@code model_not_allowed}); the key, and the tenant when its
 * configuration sets limits, must be within their requests and tokens per minute (else 429
 * {@code rate_limit_exceeded} with {@code Retry-After}); the key must be within its monthly budget
 * (else 429 {@code insufficient_quota}). Tokens are the request's prompt, counted
 * with the gateway's tokenizer on admission, and the answer's completion tokens (its usage, else
 * counted), charged when it is served. Every answer is charged to its tenant's spend.
 */
final class KeyLimits {
    /** What an admitted request still owes: the tokens and the price of its answer. */
    final class Charge {
        private final Optional<String> keyId;
        private final Tenant tenant;
        private final List<Limit> tokenLimits;
        private final IntSupplier prompt;

        private Charge(Optional<String> keyId, Tenant tenant, List<Limit> tokenLimits, IntSupplier prompt) {
            this.keyId = keyId;
            this.tenant = tenant;
            this.tokenLimits = tokenLimits;
            this.prompt = prompt;
        }

        /** Charges the chat answer {@code model} gave: its usage, else its tokens counted. */
        void answered(String model, ChatResponse answer) {
            charge(model, answer.usage().map(Usage::promptTokens).orElseGet(prompt::getAsInt),
                    answer.usage().map(Usage::completionTokens).orElseGet(() -> counter.count(answer.content())));
        }

        /**
         * Charges an answer of another endpoint {@code model} gave: the usage it reported, else the request's prompt
         * counted and no completion tokens.
         */
        void answered(String model, Optional<Usage> usage) {
            charge(model, usage.map(Usage::promptTokens).orElseGet(prompt::getAsInt),
                    usage.map(Usage::completionTokens).orElse(0));
        }

        private void charge(String model, int promptTokens, int completionTokens) {
            Optional.ofNullable(prices.get(model)).ifPresent(price -> spend.charge(keyId, tenant.name(), model, price,
                    promptTokens, completionTokens));
            tokenLimits.forEach(l -> tokens.add(l.counter(), completionTokens));
        }
    }

    private final ApiKeyStore keys;
    private final MinuteWindows requests;
    private final MinuteWindows tokens;
    private final TokenCounter counter;
    private final SpendLedger spend;
    private final Map<String, ModelPrice> prices;
    private final Map<String, Limit> tenantLimits = new HashMap<>();

    /** Requests and tokens per minute (0: unlimited) counted under {@code counter}, for {@code who}. */
    private record Limit(String counter, String who, int rpm, long tpm) {
    }

    /**
     * @param tenants the configured tenants, whose {@code rpm} and {@code tpm} hold for all their keys together
     * @param prices  what each backend's tokens cost; answers of other models are not charged
     */
    KeyLimits(ApiKeyStore keys, List<TenantConfig> tenants, MinuteWindows requests, MinuteWindows tokens,
            TokenCounter counter, SpendLedger spend, Map<String, ModelPrice> prices) {
        tenants.stream().filter(t -> t.rpm() > 0 || t.tpm() > 0).forEach(t -> tenantLimits.put(t.name(),
                new Limit("tenant:" + t.name(), "tenant '" + t.name() + "'", t.rpm(), t.tpm())));
        this.keys = keys;
        this.requests = requests;
        this.tokens = tokens;
        this.counter = counter;
        this.spend = spend;
        this.prices = Map.copyOf(prices);
    }

    /**
     * Admits {@code request}, or throws; a refusal for the rate sets {@code Retry-After} on {@code res}. A request
     * refused for tokens still counts as a request, and one refused by its tenant's limit still counts against its
     * key's.
     */
    Charge admit(Optional<String> authorization, Tenant tenant, ChatRequest request, ServerResponse res) {
        return admit(authorization, tenant, request.model(), () -> counter.countRequest(request), res);
    }

    /**
     * As {@link #admit(Optional, Tenant, ChatRequest, ServerResponse)}, for a request of another endpoint
     * ({@code /v1/embeddings}, {@code /v1/completions}, {@code /v1/responses}) to {@code model}: its prompt is the
     * text in {@code input}, {@code prompt} and {@code instructions} (token arrays count one token per element).
     */
    Charge admit(Optional<String> authorization, Tenant tenant, String model, ObjectNode body, ServerResponse res) {
        return admit(authorization, tenant, model, () -> Stream.of("input", "prompt", "instructions")
                .mapToInt(field -> promptTokens(body.get(field))).sum(), res);
    }

    /**
     * The tokens of a request field: strings counted, numbers as token ids, arrays element by element, objects
     * (message items, content parts) by their {@code content} and {@code text}.
     */
    private int promptTokens(JsonNode node) {
        if (node == null) {
            return 0;
        }
        if (node.isTextual()) {
            return counter.count(node.asText());
        }
        if (node.isNumber()) {
            return 1;
        }
        if (node.isArray()) {
            int sum = 0;
            for (JsonNode element : node) {
                sum += promptTokens(element);
            }
            return sum;
        }
        return promptTokens(node.get("content")) + promptTokens(node.get("text"));
    }

    /**
     * The checks for a request to {@code model} whose prompt has {@code promptTokens} (counted only when a token
     * limit applies, or for the spend of an answer without usage).
     */
    private Charge admit(Optional<String> authorization, Tenant tenant, String model, IntSupplier counted,
            ServerResponse res) {
        IntSupplier promptTokens = once(counted); // counted for the limit and again for an answer without usage
        Optional<ApiKeyStore.ApiKey> key = TenantResolver.bearer(authorization).map(TenantResolver::digest)
                .flatMap(keys::byDigest);
        key.filter(k -> !k.allows(model)).ifPresent(k -> {
            throw new IccacheException(ErrorKind.FORBIDDEN, "This API key may not use model '" + model
                    + "'; it may use: " + String.join(", ", k.models().stream().sorted().toList()) + ".", "model",
                    "model_not_allowed", null);
        });
        List<Limit> limits = new ArrayList<>();
        key.ifPresent(k -> limits.add(new Limit("key:" + k.id(), "this API key", k.rpm(), k.tpm())));
        Optional.ofNullable(tenantLimits.get(tenant.name())).ifPresent(limits::add);
        for (Limit l : limits) {
            if (l.rpm() > 0) {
                refuseIfOver(requests.acquire(l.counter(), 1, l.rpm()), l, l.rpm() + " requests per minute", res);
            }
        }
        List<Limit> tokenLimits = limits.stream().filter(l -> l.tpm() > 0).toList();
        if (!tokenLimits.isEmpty()) {
            int prompt = promptTokens.getAsInt();
            for (Limit l : tokenLimits) {
                refuseIfOver(tokens.acquire(l.counter(), prompt, l.tpm()), l, l.tpm() + " tokens per minute", res);
            }
        }
        key.filter(k -> k.budget() > 0 && spend.spentByKey(k.id()) >= k.budget()).ifPresent(k -> {
            throw new IccacheException(ErrorKind.RATE_LIMITED, "This API key has spent its budget for the month ("
                    + k.budget() + ").", null, "insufficient_quota", null);
        });
        return new Charge(key.map(ApiKeyStore.ApiKey::id), tenant, tokenLimits, promptTokens);
    }

    /** {@code count}, counted on first use only (a repeat of the same count may race and count again). */
    private static IntSupplier once(IntSupplier count) {
        int[] known = {-1};
        return () -> {
            if (known[0] < 0) {
                known[0] = count.getAsInt();
            }
            return known[0];
        };
    }

    private static void refuseIfOver(OptionalLong retryAfter, Limit l, String limit, ServerResponse res) {
        if (retryAfter.isPresent()) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfter.getAsLong()));
            throw new IccacheException(ErrorKind.RATE_LIMITED, "Rate limit reached for " + l.who() + ": " + limit
                    + ". Retry after " + retryAfter.getAsLong() + " s.", null, "rate_limit_exceeded", null);
        }
    }

    /** Forgets the counts of a revoked key. */
    void forget(String id) {
        requests.forget("key:" + id);
        tokens.forget("key:" + id);
    }
}
