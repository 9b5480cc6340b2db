package dev.iccache.bank;

import java.util.Map;

/**
 * Size of an example store.
 *
 * @param countByTenant   examples per tenant (expired but not yet purged ones included)
 * @param plaintextBytes  request + response bytes of all examples
 * @param indexBytes      bytes on disk (0 for memory-only stores)
 */
public record StoreStats(Map<String, Long> countByTenant, long plaintextBytes, long indexBytes) {
    public long count() {
        return countByTenant.values().stream().mapToLong(Long::longValue).sum();
    }
}
