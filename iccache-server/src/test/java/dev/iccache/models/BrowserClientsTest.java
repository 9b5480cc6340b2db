package dev.iccache.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the browser tests need, found (or reported missing) in a cache directory. */
class BrowserClientsTest {
    @TempDir
    Path dir;

    private void playwright(BrowserClients clients, String version) throws Exception {
        Path pkg = clients.prefix().resolve("node_modules/playwright-core/package.json");
        Files.createDirectories(pkg.getParent());
        Files.writeString(pkg, "{\"name\":\"playwright-core\",\"version\":\"" + version + "\"}");
    }

    @Test
    void reportsWhatIsMissingAndFindsAPinnedInstall() throws Exception {
        Path chromium = dir.resolve("bin/chromium");
        BrowserClients clients = new BrowserClients(new ModelCache(dir.resolve("cache")), chromium);
        assertThat(clients.installed()).isEmpty();
        assertThat(clients.missing()).contains("chromium (" + chromium + ")",
                "playwright-core " + BrowserClients.PLAYWRIGHT_CORE_VERSION + " (in " + clients.prefix() + ")");

        Files.createDirectories(chromium.getParent());
        Files.writeString(chromium, "#!/bin/sh\n");
        Files.setPosixFilePermissions(chromium, PosixFilePermissions.fromString("rwxr-xr-x"));
        playwright(clients, "1.0.0");
        // "node" is reported too on a machine without Node.js.
        assertThat(clients.missing()).filteredOn(m -> !m.equals("node")).containsExactly("playwright-core "
                + BrowserClients.PLAYWRIGHT_CORE_VERSION + " (in " + clients.prefix() + ")");

        playwright(clients, BrowserClients.PLAYWRIGHT_CORE_VERSION);
        assertThat(clients.missing()).filteredOn(m -> !m.equals("node")).isEmpty();
        if (clients.missing().isEmpty()) {
            assertThat(clients.installed()).hasValueSatisfying(i -> {
                assertThat(i.chromium()).isEqualTo(chromium);
                assertThat(i.playwrightCore()).isEqualTo(clients.prefix().resolve("node_modules/playwright-core"));
            });
        }
    }
}
