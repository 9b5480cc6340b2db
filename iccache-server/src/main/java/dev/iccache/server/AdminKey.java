package dev.iccache.server;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.tenant.TenantResolver;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** The admin key, compared in constant time; absent when its environment variable is unset. */
final class AdminKey {
    private final Optional<byte[]> key;
    private final String envName;

    AdminKey(Optional<String> key, String envName) {
        this.key = key.filter(k -> !k.isBlank()).map(k -> k.getBytes(StandardCharsets.UTF_8));
        this.envName = envName;
    }

    /** Whether a key is configured (else the admin API is off). */
    boolean enabled() {
        return key.isPresent();
    }

    boolean matches(Optional<String> presented) {
        return key.isPresent() && presented
                .map(p -> MessageDigest.isEqual(p.getBytes(StandardCharsets.UTF_8), key.get())).orElse(false);
    }

    /** Throws 403 when the admin API is off, 401 when the key presented is not the admin key. */
    void require(Optional<String> presented) {
        if (key.isEmpty()) {
            throw new IccacheException(ErrorKind.FORBIDDEN, "The admin API is disabled: set the environment variable "
                    + envName + " to an admin key and restart.", null, "admin_disabled", null);
        }
        if (!matches(presented)) {
            throw new IccacheException(ErrorKind.AUTHENTICATION, "A valid admin key is required: send "
                    + "'Authorization: Bearer ADMIN_KEY'.", null, "invalid_api_key", null);
        }
    }

    /** {@code handler} behind this key ({@link #require}); its failures, and the key's, as OpenAI-style errors. */
    Handler guard(Handler handler) {
        return (req, res) -> {
            try {
                require(TenantResolver.bearer(req.headers().first(HeaderNames.AUTHORIZATION)));
                handler.handle(req, res);
            } catch (IccacheException e) {
                OpenAiHttp.sendError(res, e);
            }
        };
    }
}
