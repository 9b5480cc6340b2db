package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * How the gateway reads a remote backend's load from the model server's own Prometheus metrics
 * ({@code backends[].server-load}); checked by {@link BackendConfig}. Keys and defaults are in
 * docs/configuration.md.
 *
 * @param enabled    {@code mode: auto} (read the metrics where the server publishes them) or {@code off}
 * @param intervalMs how often each endpoint's metrics are read
 * @param timeoutMs  longest wait for one reading
 */
public record ServerLoadSettings(boolean enabled, long intervalMs, long timeoutMs) {
    public static final ServerLoadSettings DEFAULT = new ServerLoadSettings(true, 1_000, 500);
    /** Readings older than this many intervals are stale: the gateway counts its own calls instead. */
    public static final int STALE_INTERVALS = 3;

    void check(String where) {
        if (intervalMs < 1) {
            throw new ConfigException(where + "server-load.interval-ms must be positive, got " + intervalMs);
        }
        if (timeoutMs < 1 || timeoutMs > intervalMs) {
            throw new ConfigException(where + "server-load.timeout-ms must be between 1 and interval-ms ("
                    + intervalMs + "), got " + timeoutMs);
        }
    }

    @JsonCreator
    static ServerLoadSettings fromYaml(@JsonProperty("mode") String mode, @JsonProperty("interval-ms") Long intervalMs,
            @JsonProperty("timeout-ms") Long timeoutMs) {
        boolean enabled = true;
        if (mode != null) {
            switch (mode.toLowerCase(Locale.ROOT)) {
                case "auto" -> enabled = true;
                case "off" -> enabled = false;
                default -> throw new ConfigException("server-load.mode must be auto or off, got " + mode);
            }
        }
        ServerLoadSettings d = DEFAULT;
        return new ServerLoadSettings(enabled, intervalMs == null ? d.intervalMs : intervalMs,
                timeoutMs == null ? d.timeoutMs : timeoutMs);
    }
}
