package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The HTTP listener.
 *
 * @param host         address to bind (default 127.0.0.1)
 * @param port         port (default 8080; 0 picks a free one)
 * @param maxBodyBytes largest accepted request body (default 4 MiB); larger gets 413
 */
public record ServerConfig(String host, int port, long maxBodyBytes) {
    public static final ServerConfig DEFAULT = new ServerConfig("127.0.0.1", 8080, 4L << 20);

    public ServerConfig {
        host = host == null || host.isBlank() ? "127.0.0.1" : host;
        if (port < 0 || port > 65535) {
            throw new ConfigException("server.port must be 0..65535, got " + port);
        }
        if (maxBodyBytes <= 0) {
            throw new ConfigException("server.max-body-bytes must be positive, got " + maxBodyBytes);
        }
    }

    @JsonCreator
    static ServerConfig fromYaml(@JsonProperty("host") String host, @JsonProperty("port") Integer port,
            @JsonProperty("max-body-bytes") Long maxBodyBytes) {
        return new ServerConfig(host, port == null ? DEFAULT.port : port,
                maxBodyBytes == null ? DEFAULT.maxBodyBytes : maxBodyBytes);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, maxBodyBytes);
    }
}
