package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.tenant.TenantResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyStoreTest {
    @TempDir
    Path dir;

    @Test
    void keepsOnlyTheDigestOfAHighEntropyKeyInAnOwnerOnlyFile() throws Exception {
        ApiKeyStore store = ApiKeyStore.open(dir.resolve("data"), new SecureRandom());
        ApiKeyStore.Issued issued = store.create("acme", 5, 1000, 0, Set.of("sim-small"));
        assertThat(issued.secret()).startsWith("sk-icc-").hasSizeGreaterThanOrEqualTo(7 + 43);
        assertThat(issued.key().digest()).isEqualTo(TenantResolver.digest(issued.secret()));
        Path file = dir.resolve("data").resolve(ApiKeyStore.FILE);
        String saved = Files.readString(file);
        assertThat(saved).contains(issued.key().digest(), issued.key().id()).doesNotContain(issued.secret());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(store.tenantOf(TenantResolver.digest(issued.secret()))).contains("acme");
        assertThat(store.tenantOf(TenantResolver.digest(issued.secret() + "x"))).isEmpty();
    }

    @Test
    void keysSurviveAReopen() {
        ApiKeyStore store = ApiKeyStore.open(dir, new SecureRandom());
        ApiKeyStore.Issued a = store.create("acme", 5, 2000, 12.5, Set.of("sim-small", "sim-large"));
        ApiKeyStore.Issued b = store.create("globex", 0, 0, 0, Set.of());
        ApiKeyStore reopened = ApiKeyStore.open(dir, new SecureRandom());
        assertThat(reopened.list()).containsExactly(a.key(), b.key());
        assertThat(reopened.byDigest(TenantResolver.digest(a.secret()))).contains(a.key());
        assertThat(reopened.isEmpty()).isFalse();
    }

    @Test
    void rotateKeepsIdAndSettingsAndRetiresTheOldSecret() {
        ApiKeyStore store = ApiKeyStore.open(dir, new SecureRandom());
        ApiKeyStore.Issued old = store.create("acme", 7, 700, 3.25, Set.of("sim-small"));
        ApiKeyStore.Issued rotated = store.rotate(old.key().id()).orElseThrow();
        assertThat(rotated.secret()).isNotEqualTo(old.secret());
        assertThat(rotated.key().id()).isEqualTo(old.key().id());
        assertThat(rotated.key().rpm()).isEqualTo(7);
        assertThat(rotated.key().tpm()).isEqualTo(700);
        assertThat(rotated.key().budget()).isEqualTo(3.25);
        assertThat(rotated.key().models()).containsExactly("sim-small");
        assertThat(store.tenantOf(TenantResolver.digest(old.secret()))).isEmpty();
        assertThat(store.tenantOf(TenantResolver.digest(rotated.secret()))).contains("acme");
        assertThat(ApiKeyStore.open(dir, new SecureRandom()).list()).containsExactly(rotated.key());
        assertThat(store.rotate("key_missing")).isEmpty();
    }

    @Test
    void revokeStopsAKeyAndIsSaved() {
        ApiKeyStore store = ApiKeyStore.open(dir, new SecureRandom());
        ApiKeyStore.Issued issued = store.create("acme", 0, 0, 0, Set.of());
        assertThat(store.revoke(issued.key().id())).isTrue();
        assertThat(store.revoke(issued.key().id())).isFalse();
        assertThat(store.tenantOf(TenantResolver.digest(issued.secret()))).isEmpty();
        assertThat(store.isEmpty()).isTrue();
        assertThat(ApiKeyStore.open(dir, new SecureRandom()).list()).isEmpty();
    }

    @Test
    void anUnreadableFileStopsStartUpNamingIt() throws Exception {
        Files.writeString(dir.resolve(ApiKeyStore.FILE), "{not json");
        assertThatThrownBy(() -> ApiKeyStore.open(dir, new SecureRandom())).hasMessageContaining(ApiKeyStore.FILE);
    }
}
