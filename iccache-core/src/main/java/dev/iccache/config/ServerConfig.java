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
 *                             {@code maxBodyBytes}); a request that would exceed it gets 503
 */
public record ServerConfig(String host, int port, long maxBodyBytes, long maxInFlightBodyBytes) {
    /** Default of {@code max-in-flight-body-bytes}: 64 MiB. */
    public static final long DEFAULT_MAX_IN_FLIGHT_BODY_BYTES = 64L << 20;
    public static final ServerConfig DEFAULT = new ServerConfig("127.0.0.1", 8080, 4L << 20);

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
    }

    /** A listener with the default in-flight body budget. */
    public ServerConfig(String host, int port, long maxBodyBytes) {
        this(host, port, maxBodyBytes, 0);
    }

    @JsonCreator
    static ServerConfig fromYaml(@JsonProperty("host") String host, @JsonProperty("port") Integer port,
            @JsonProperty("max-body-bytes") Long maxBodyBytes,
            @JsonProperty("max-in-flight-body-bytes") Long maxInFlightBodyBytes) {
        return new ServerConfig(host, port == null ? DEFAULT.port : port,
                maxBodyBytes == null ? DEFAULT.maxBodyBytes : maxBodyBytes,
                maxInFlightBodyBytes == null ? 0 : maxInFlightBodyBytes);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, maxBodyBytes, maxInFlightBodyBytes);
    }
}
