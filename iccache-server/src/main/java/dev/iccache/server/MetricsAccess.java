package dev.iccache.server;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.config.ConfigException;
import dev.iccache.tenant.TenantResolver;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Who may read {@code /metrics}: anyone while the gateway authenticates nobody (no tenants, no
 * metrics key); else a client presenting the admin key or the metrics key
 * ({@code server.metrics-api-key-env}), since the metrics name the backends and show their load.
 */
final class MetricsAccess {
    private final boolean open;
    private final AdminKey adminKey;
    private final AdminKey metricsKey;

    MetricsAccess(TenantResolver tenants, AdminKey adminKey, String metricsKeyEnv, UnaryOperator<String> env) {
        this.adminKey = adminKey;
        String key = metricsKeyEnv == null ? null : env.apply(metricsKeyEnv);
        if (metricsKeyEnv != null && (key == null || key.isBlank())) {
            throw new ConfigException("server.metrics-api-key-env: environment variable " + metricsKeyEnv
                    + " is not set");
        }
        this.metricsKey = new AdminKey(Optional.ofNullable(key), String.valueOf(metricsKeyEnv));
        this.open = !tenants.authenticates() && metricsKeyEnv == null;
    }

    /** Throws 401 unless {@code authorization} may read the metrics. */
    void require(Optional<String> authorization) {
        Optional<String> key = TenantResolver.bearer(authorization);
        if (!open && !adminKey.matches(key) && !metricsKey.matches(key)) {
            throw new IccacheException(ErrorKind.AUTHENTICATION, "/metrics needs the admin key or the metrics key "
                    + "(server.metrics-api-key-env): send 'Authorization: Bearer KEY'.", null, "invalid_api_key", null);
        }
    }
}
