package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The HTTP listener.
 *
 * @param host                 address to bind (default 127.0.0.1)
 * @param port                 port (default 8080; 0 picks a free one)
 * @param maxBodyBytes         largest accepted request body (default 4 MiB); larger gets 413
 * @param maxInFlightBodyBytes request-body bytes held at once by all requests in flight (default 64 MiB, at least
 *                             {@code maxBodyBytes}; 0 = the default); a request that would exceed it gets 503
 * @param headerTimeoutMs      longest time from a request's first byte to the end of its headers (default 10 s);
 *                             then 408
 * @param bodyTimeoutMs        longest time from the end of a request's headers to the end of its body (default
 *                             60 s); then 408
 * @param metricsApiKeyEnv     environment variable holding a key that may read {@code /metrics} besides the admin
 *                             key; null for none. When set, or when tenants are configured, {@code /metrics} needs a
 *                             key
 */
public record ServerConfig(String host, int port, long maxBodyBytes, long maxInFlightBodyBytes, long headerTimeoutMs,
        long bodyTimeoutMs, String metricsApiKeyEnv) {
    /** Default of {@code max-in-flight-body-bytes}: 64 MiB. */
    public static final long DEFAULT_MAX_IN_FLIGHT_BODY_BYTES = 64L << 20;
    public static final ServerConfig DEFAULT = new ServerConfig("127.0.0.1", 8080, 4L << 20);
    private static final long DEFAULT_HEADER_TIMEOUT_MS = 10_000;
    private static final long DEFAULT_BODY_TIMEOUT_MS = 60_000;

    public ServerConfig {
        host = host == null || host.isBlank() ? "127.0.0.1" : host;
        if (port < 0 || port > 65535) {
            throw new ConfigException("server.port must be 0..65535, got " + port);
        }
        if (maxBodyBytes <= 0) {
            throw new ConfigException("server.max-body-bytes must be positive, got " + maxBodyBytes);
        }
        if (maxInFlightBodyBytes == 0) {
            maxInFlightBodyBytes = Math.max(DEFAULT_MAX_IN_FLIGHT_BODY_BYTES, maxBodyBytes);
        }
        if (maxInFlightBodyBytes < maxBodyBytes) {
            throw new ConfigException("server.max-in-flight-body-bytes (" + maxInFlightBodyBytes + ") must be at "
                    + "least server.max-body-bytes (" + maxBodyBytes + "), or no request of the largest size could "
                    + "ever be served");
        }
        if (headerTimeoutMs <= 0) {
            throw new ConfigException("server.header-timeout-ms must be positive, got " + headerTimeoutMs);
        }
        if (bodyTimeoutMs <= 0) {
            throw new ConfigException("server.body-timeout-ms must be positive, got " + bodyTimeoutMs);
        }
        metricsApiKeyEnv = metricsApiKeyEnv == null || metricsApiKeyEnv.isBlank() ? null : metricsApiKeyEnv;
    }

    /** A listener with the default in-flight body budget and timeouts, and no metrics key. */
    public ServerConfig(String host, int port, long maxBodyBytes) {
        this(host, port, maxBodyBytes, 0, DEFAULT_HEADER_TIMEOUT_MS, DEFAULT_BODY_TIMEOUT_MS, null);
    }

    @JsonCreator
    static ServerConfig fromYaml(@JsonProperty("host") String host, @JsonProperty("port") Integer port,
            @JsonProperty("max-body-bytes") Long maxBodyBytes,
            @JsonProperty("max-in-flight-body-bytes") Long maxInFlightBodyBytes,
            @JsonProperty("header-timeout-ms") Long headerTimeoutMs,
            @JsonProperty("body-timeout-ms") Long bodyTimeoutMs,
            @JsonProperty("metrics-api-key-env") String metricsApiKeyEnv) {
        return new ServerConfig(host, port == null ? DEFAULT.port : port,
                maxBodyBytes == null ? DEFAULT.maxBodyBytes : maxBodyBytes,
                maxInFlightBodyBytes == null ? 0 : maxInFlightBodyBytes,
                headerTimeoutMs == null ? DEFAULT_HEADER_TIMEOUT_MS : headerTimeoutMs,
                bodyTimeoutMs == null ? DEFAULT_BODY_TIMEOUT_MS : bodyTimeoutMs, metricsApiKeyEnv);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, maxBodyBytes, maxInFlightBodyBytes, headerTimeoutMs, bodyTimeoutMs,
                metricsApiKeyEnv);
    }

    /** This listener with other request timeouts. */
    public ServerConfig withTimeouts(long newHeaderTimeoutMs, long newBodyTimeoutMs) {
        return new ServerConfig(host, port, maxBodyBytes, maxInFlightBodyBytes, newHeaderTimeoutMs, newBodyTimeoutMs,
                metricsApiKeyEnv);
    }

    /** This listener with a metrics key read from the environment variable {@code env}. */
    public ServerConfig withMetricsApiKeyEnv(String env) {
        return new ServerConfig(host, port, maxBodyBytes, maxInFlightBodyBytes, headerTimeoutMs, bodyTimeoutMs, env);
    }
}
