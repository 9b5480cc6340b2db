package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;

/**
 * The structured access log ({@code access-log}): one JSON line per API request. Keys and defaults are
 * in docs/configuration.md.
 *
 * @param enabled whether requests are logged (default on)
 * @param path    a file appended to, or {@code stdout} (the default) or {@code stderr}
 */
public record AccessLogSettings(boolean enabled, String path) {
    public static final String STDOUT = "stdout";
    public static final String STDERR = "stderr";
    public static final AccessLogSettings DEFAULT = new AccessLogSettings(true, STDOUT);
    public static final AccessLogSettings OFF = new AccessLogSettings(false, STDOUT);

    public AccessLogSettings {
        if (path == null || path.isBlank()) {
            throw new ConfigException("access-log.path must be a file, 'stdout' or 'stderr'");
        }
    }

    /** On, to {@code access.jsonl} in {@code dir}. */
    public static AccessLogSettings file(Path dir) {
        return new AccessLogSettings(true, dir.resolve("access.jsonl").toString());
    }

    @JsonCreator
    static AccessLogSettings fromYaml(@JsonProperty("enabled") Boolean enabled, @JsonProperty("path") String path) {
        return new AccessLogSettings(enabled == null || enabled, path == null ? STDOUT : path);
    }
}
