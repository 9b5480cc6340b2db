package dev.iccache.tenant;

import java.util.Optional;

/** API keys issued at run time (through the admin API), looked up by the SHA-256 hex digest of the key. */
public interface IssuedKeys {
    /** No issued keys. */
    IssuedKeys NONE = new IssuedKeys() {
        @Override
        public Optional<String> tenantOf(String keyDigest) {
            return Optional.empty();
        }

        @Override
        public boolean isEmpty() {
            return true;
        }
    };

    /** The tenant name of the live key with this digest; empty when there is none (never issued, or revoked). */
    Optional<String> tenantOf(String keyDigest);

    /** Whether no key is live. */
    boolean isEmpty();
}
