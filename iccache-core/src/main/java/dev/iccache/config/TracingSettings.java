package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;

/**
 * OpenTelemetry traces of the request path ({@code tracing}), exported over OTLP/HTTP (protobuf).
 * Keys and defaults are in docs/configuration.md.
 *
 * @param enabled     whether spans are recorded and exported (default off)
 * @param endpoint    the OTLP/HTTP traces URL, e.g. {@code http://localhost:4318/v1/traces}
 * @param sampleRatio the share of new traces sampled, in [0, 1]; a request carrying a W3C
 *                    {@code traceparent} follows its caller's decision
 * @param serviceName the {@code service.name} of the spans
 */
public record TracingSettings(boolean enabled, String endpoint, double sampleRatio, String serviceName) {
    public static final String DEFAULT_ENDPOINT = "http://localhost:4318/v1/traces";
    public static final TracingSettings OFF = new TracingSettings(false, DEFAULT_ENDPOINT, 1.0, "iccache");

    public TracingSettings {
        if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
            throw new ConfigException("tracing.sample-ratio must be in [0, 1], not " + sampleRatio);
        }
        if (serviceName == null || serviceName.isBlank()) {
            throw new ConfigException("tracing.service-name must not be empty");
        }
        URI uri;
        try {
            uri = URI.create(endpoint == null ? "" : endpoint);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("tracing.endpoint is not a URL: " + endpoint);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new ConfigException("tracing.endpoint must be an http(s) URL such as " + DEFAULT_ENDPOINT + ", not '"
                    + endpoint + "'");
        }
    }

    /** On, exporting to {@code endpoint}, every trace sampled. */
    public static TracingSettings to(String endpoint) {
        return new TracingSettings(true, endpoint, 1.0, OFF.serviceName());
    }

    @JsonCreator
    static TracingSettings fromYaml(@JsonProperty("enabled") Boolean enabled, @JsonProperty("endpoint") String endpoint,
            @JsonProperty("sample-ratio") Double sampleRatio, @JsonProperty("service-name") String serviceName) {
        return new TracingSettings(enabled != null && enabled, endpoint == null ? DEFAULT_ENDPOINT : endpoint,
                sampleRatio == null ? OFF.sampleRatio() : sampleRatio,
                serviceName == null ? OFF.serviceName() : serviceName);
    }
}
