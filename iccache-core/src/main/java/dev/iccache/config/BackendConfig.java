package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One model backend. Either remote ({@code base-url}, or several endpoints of one model in
 * {@code base-urls}, of an OpenAI-compatible server) or {@code simulated} (an in-process simulated
 * model with the named profile). Defaults are applied and every value is checked when the record
 * is built; see docs/configuration.md.
 *
 * @param name           model name clients use and {@code /v1/models} lists
 * @param baseUrl        base URL up to and including {@code /v1} (the first endpoint's); null for a simulated backend
 * @param model          model id sent upstream; defaults to {@code name}
 * @param apiKeyEnv      environment variable holding the upstream API key; null for none
 * @param role           small or large
 * @param cost           relative cost of serving one unit of work (small = 1 by convention)
 * @param contextWindow  context window in tokens
 * @param maxConcurrent  requests in flight to this backend at most; more wait in a queue
 * @param queueTimeoutMs longest wait for a slot before the request fails with 503
 * @param connectTimeoutMs TCP connect timeout
 * @param readTimeoutMs  longest silence from the backend (before the first byte or between events)
 * @param totalTimeoutMs longest whole call
 * @param maxRetries     retries of a retriable failure before the first byte
 * @param simulated      simulated profile name ({@code small}/{@code large}); null for remote
 * @param simTimeScale   simulated backends only: time runs this many times faster than real
 * @param maxResponseBytes largest non-streaming response body, and largest single event of a stream
 * @param maxStreamBytes largest whole stream (all its events)
 * @param baseUrls       every endpoint's base URL, balanced least-busy; {@code [baseUrl]} when only that is
 *                       given, empty for a simulated backend
 * @param fallbacks      other backends that answer, in order, when this one fails before the first byte
 *                       (checked against the other backends by {@link IccacheConfig})
 * @param breaker        the circuit breaker of each endpoint
 * @param serverLoad     reading the load from the model server's own metrics
 * @param nativeN        remote backends only: the server generates {@code n} choices itself, so a request for
 *                       several is forwarded whole instead of fanned out to one call per choice
 */
public record BackendConfig(
        String name, String baseUrl, String model, String apiKeyEnv, BackendRole role, double cost,
        int contextWindow, int maxConcurrent, long queueTimeoutMs, long connectTimeoutMs, long readTimeoutMs,
        long totalTimeoutMs, int maxRetries, String simulated, double simTimeScale, long maxResponseBytes,
        long maxStreamBytes, List<String> baseUrls, List<String> fallbacks, BreakerSettings breaker,
        ServerLoadSettings serverLoad, boolean nativeN) {
    /** Default of {@code max-response-bytes}: 4 MiB. */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 4L << 20;
    /** Default of {@code max-stream-bytes}: 64 MiB. */
    public static final long DEFAULT_MAX_STREAM_BYTES = 64L << 20;

    public BackendConfig {
        if (name == null || name.isBlank()) {
            throw new ConfigException("backends[].name is required");
        }
        String where = "backend '" + name + "': ";
        baseUrls = baseUrls == null || baseUrls.isEmpty() ? (baseUrl == null ? List.of() : List.of(baseUrl))
                : baseUrls;
        if (baseUrls.isEmpty() == (simulated == null)) {
            throw new ConfigException(where + "set exactly one of base-url or base-urls (remote) or simulated "
                    + "(small|large)");
        }
        List<String> urls = new ArrayList<>();
        for (String url : baseUrls) {
            String normalised = url(where, url);
            if (urls.contains(normalised)) {
                throw new ConfigException(where + "base-urls lists " + normalised + " twice");
            }
            urls.add(normalised);
        }
        baseUrls = List.copyOf(urls);
        if (baseUrl != null && !url(where, baseUrl).equals(baseUrls.get(0))) {
            throw new ConfigException(where + "set base-url or base-urls, not both");
        }
        baseUrl = baseUrls.isEmpty() ? null : baseUrls.get(0);
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
        if (fallbacks.contains(name)) {
            throw new ConfigException(where + "fallbacks: a backend cannot fall back to itself");
        }
        if (new HashSet<>(fallbacks).size() < fallbacks.size()) {
            throw new ConfigException(where + "fallbacks lists a backend twice: " + fallbacks);
        }
        breaker = breaker == null ? BreakerSettings.DEFAULT : breaker;
        breaker.check(where);
        serverLoad = serverLoad == null ? ServerLoadSettings.DEFAULT : serverLoad;
        serverLoad.check(where);
        if (simulated != null) {
            simulated = simulated.toLowerCase(Locale.ROOT);
            if (!simulated.equals("small") && !simulated.equals("large")) {
                throw new ConfigException(where + "simulated must be 'small' or 'large', got " + simulated);
            }
        }
        model = model == null ? name : model;
        role = role == null ? (simulated != null && simulated.equals("small") ? BackendRole.SMALL : BackendRole.LARGE)
                : role;
        cost = cost == 0 ? 1.0 : cost;
        contextWindow = contextWindow == 0 ? 8192 : contextWindow;
        maxConcurrent = maxConcurrent == 0 ? 64 : maxConcurrent;
        queueTimeoutMs = queueTimeoutMs == 0 ? 30_000 : queueTimeoutMs;
        connectTimeoutMs = connectTimeoutMs == 0 ? 5_000 : connectTimeoutMs;
        readTimeoutMs = readTimeoutMs == 0 ? 60_000 : readTimeoutMs;
        totalTimeoutMs = totalTimeoutMs == 0 ? 600_000 : totalTimeoutMs;
        simTimeScale = simTimeScale == 0 ? 1.0 : simTimeScale;
        maxResponseBytes = maxResponseBytes == 0 ? DEFAULT_MAX_RESPONSE_BYTES : maxResponseBytes;
        maxStreamBytes = maxStreamBytes == 0 ? DEFAULT_MAX_STREAM_BYTES : maxStreamBytes;
        positive(where, "cost", cost);
        positive(where, "context-window", contextWindow);
        positive(where, "max-concurrent", maxConcurrent);
        positive(where, "queue-timeout-ms", queueTimeoutMs);
        positive(where, "connect-timeout-ms", connectTimeoutMs);
        positive(where, "read-timeout-ms", readTimeoutMs);
        positive(where, "total-timeout-ms", totalTimeoutMs);
        positive(where, "sim-time-scale", simTimeScale);
        positive(where, "max-response-bytes", maxResponseBytes);
        positive(where, "max-stream-bytes", maxStreamBytes);
        if (nativeN && simulated != null) {
            throw new ConfigException(where + "native-n is for remote backends; simulated ones are fanned out");
        }
        if (maxRetries < 0 || maxRetries > 10) {
            throw new ConfigException(where + "max-retries must be between 0 and 10, got " + maxRetries);
        }
    }

    /** A backend with the default response limits, one endpoint, no fallbacks, default breakers and load reading. */
    public BackendConfig(String name, String baseUrl, String model, String apiKeyEnv, BackendRole role, double cost,
            int contextWindow, int maxConcurrent, long queueTimeoutMs, long connectTimeoutMs, long readTimeoutMs,
            long totalTimeoutMs, int maxRetries, String simulated, double simTimeScale) {
        this(name, baseUrl, model, apiKeyEnv, role, cost, contextWindow, maxConcurrent, queueTimeoutMs,
                connectTimeoutMs, readTimeoutMs, totalTimeoutMs, maxRetries, simulated, simTimeScale, 0, 0, null, null,
                null, null, false);
    }

    /** This backend with other response limits (0 for a default). */
    public BackendConfig withResponseLimits(long newMaxResponseBytes, long newMaxStreamBytes) {
        return new BackendConfig(name, baseUrl, model, apiKeyEnv, role, cost, contextWindow, maxConcurrent,
                queueTimeoutMs, connectTimeoutMs, readTimeoutMs, totalTimeoutMs, maxRetries, simulated, simTimeScale,
                newMaxResponseBytes, newMaxStreamBytes, baseUrls, fallbacks, breaker, serverLoad, nativeN);
    }

    /** This backend with {@code native-n} set. */
    public BackendConfig withNativeN(boolean value) {
        return new BackendConfig(name, baseUrl, model, apiKeyEnv, role, cost, contextWindow, maxConcurrent,
                queueTimeoutMs, connectTimeoutMs, readTimeoutMs, totalTimeoutMs, maxRetries, simulated, simTimeScale,
                maxResponseBytes, maxStreamBytes, baseUrls, fallbacks, breaker, serverLoad, value);
    }

    /** Jackson entry point: absent numbers arrive as null and take the defaults above. */
    @JsonCreator
    static BackendConfig fromYaml(
            @JsonProperty("name") String name, @JsonProperty("base-url") String baseUrl,
            @JsonProperty("model") String model, @JsonProperty("api-key-env") String apiKeyEnv,
            @JsonProperty("role") String role, @JsonProperty("cost") Double cost,
            @JsonProperty("context-window") Integer contextWindow,
            @JsonProperty("max-concurrent") Integer maxConcurrent,
            @JsonProperty("queue-timeout-ms") Long queueTimeoutMs,
            @JsonProperty("connect-timeout-ms") Long connectTimeoutMs,
            @JsonProperty("read-timeout-ms") Long readTimeoutMs,
            @JsonProperty("total-timeout-ms") Long totalTimeoutMs,
            @JsonProperty("max-retries") Integer maxRetries, @JsonProperty("simulated") String simulated,
            @JsonProperty("sim-time-scale") Double simTimeScale,
            @JsonProperty("max-response-bytes") Long maxResponseBytes,
            @JsonProperty("max-stream-bytes") Long maxStreamBytes, @JsonProperty("base-urls") List<String> baseUrls,
            @JsonProperty("fallbacks") List<String> fallbacks, @JsonProperty("breaker") BreakerSettings breaker,
            @JsonProperty("server-load") ServerLoadSettings serverLoad, @JsonProperty("native-n") Boolean nativeN) {
        BackendRole parsedRole = null;
        if (role != null) {
            try {
                parsedRole = BackendRole.valueOf(role.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("backend '" + name + "': role must be small or large, got " + role);
            }
        }
        return new BackendConfig(name, baseUrl, model, apiKeyEnv, parsedRole, orZero(cost), orZero(contextWindow),
                orZero(maxConcurrent), orZero(queueTimeoutMs), orZero(connectTimeoutMs), orZero(readTimeoutMs),
                orZero(totalTimeoutMs), maxRetries == null ? 2 : maxRetries, simulated, orZero(simTimeScale),
                orZero(maxResponseBytes), orZero(maxStreamBytes), baseUrls, fallbacks, breaker, serverLoad,
                nativeN != null && nativeN);
    }

    /** An in-process simulated backend with defaults. */
    public static BackendConfig simulated(String name, String profile, double timeScale) {
        return new BackendConfig(name, null, null, null, null, profile.equals("large") ? 7.17 : 1.0,
                0, 0, 0, 0, 0, 0, 2, profile, timeScale);
    }

    /** A remote OpenAI-compatible backend with defaults. */
    public static BackendConfig remote(String name, String baseUrl, BackendRole role) {
        return new BackendConfig(name, baseUrl, null, null, role, 0, 0, 0, 0, 0, 0, 0, 2, null, 0);
    }

    /** A base URL checked and without its trailing slash. */
    private static String url(String where, String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ConfigException(where + "base-url is not a URL: " + url);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new ConfigException(where + "base-url must be an http(s) URL, got " + url);
        }
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public Optional<String> simulatedProfile() {
        return Optional.ofNullable(simulated);
    }

    private static void positive(String where, String key, double v) {
        if (!(v > 0)) {
            throw new ConfigException(where + key + " must be positive, got " + v);
        }
    }

    private static double orZero(Double v) {
        return v == null ? 0 : v;
    }

    private static int orZero(Integer v) {
        return v == null ? 0 : v;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
