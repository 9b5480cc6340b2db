package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.config.ModelPrice;
import dev.iccache.metrics.Metrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpendLedgerTest {
    private static final ModelPrice SMALL = new ModelPrice(0.5, 1.5);
    @TempDir
    Path dir;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-31T23:59:00Z"));
    private final InstantSource clock = now::get;

    @Test
    void chargesAtThePricePerKeyTenantAndModel() throws Exception {
        Metrics registry = new Metrics();
        SpendLedger ledger = SpendLedger.open(dir, clock, registry);
        ledger.charge(Optional.of("key_1"), "acme", "small", SMALL, 1000, 2000);
        ledger.charge(Optional.empty(), "acme", "small", SMALL, 2000, 0);
        assertThat(ledger.spentByKey("key_1")).isEqualTo(3.5);
        assertThat(ledger.spentByKey("key_2")).isZero();
        assertThat(ledger.report().toString()).isEqualTo(
                "{\"period\":\"2026-12\",\"tenants\":{\"acme\":{\"small\":4.5}},\"keys\":{\"key_1\":3.5}}");
        assertThat(registry.scrape()).contains("iccache_spend_total{model=\"small\",tenant=\"acme\"} 4.5");
        Path file = dir.resolve(SpendLedger.FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(SpendLedger.open(dir, clock, new Metrics()).report()).isEqualTo(ledger.report());
    }

    @Test
    void aNewMonthStartsFromZeroAndAnOldFileIsNotCarriedOver() {
        SpendLedger ledger = SpendLedger.open(dir, clock, new Metrics());
        ledger.charge(Optional.of("key_1"), "acme", "small", SMALL, 1000, 0);
        now.set(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(ledger.spentByKey("key_1")).isZero();
        assertThat(SpendLedger.open(dir, clock, new Metrics()).report().path("tenants")).isEmpty();
        assertThat(ledger.report().path("period").asText()).isEqualTo("2027-01");
    }
}
