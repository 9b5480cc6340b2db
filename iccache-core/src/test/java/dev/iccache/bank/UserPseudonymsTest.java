package dev.iccache.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserPseudonymsTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private final UserPseudonyms users = UserPseudonyms.generate(new SplittableRandom(1));
    private final UserPseudonyms others = UserPseudonyms.generate(new SplittableRandom(2));

    @Test
    void aUserAlwaysGetsTheSamePseudonymWhichHidesTheId() {
        String p = users.pseudonym("ann@example.com");
        assertThat(p).matches("hmac-sha256:[0-9a-f]{8}:[A-Za-z0-9_-]{43}").startsWith("hmac-sha256:" + users.keyId())
                .doesNotContain("ann").isEqualTo(users.pseudonym("ann@example.com"));
        assertThat(users.pseudonym("ann@example.co")).isNotEqualTo(p);
        assertThat(others.pseudonym("ann@example.com")).isNotEqualTo(p);
        assertThat(others.keyId()).isNotEqualTo(users.keyId());
    }

    @Test
    void pseudonymisingIsIdempotentForItsOwnPseudonymsOnly() {
        String p = users.pseudonym("ann");
        assertThat(users.pseudonym(p)).isEqualTo(p);
        assertThat(users.madeHere(p)).isTrue();
        assertThat(others.madeHere(p)).isFalse();
        assertThat(others.pseudonym(p)).isNotEqualTo(p);
        assertThat(UserPseudonyms.keyIdOf(p)).hasValue(users.keyId());
        assertThat(UserPseudonyms.keyIdOf("ann")).isEmpty();
        assertThat(users.madeHere("hmac-sha256:" + users.keyId() + ":short")).isFalse();
    }

    @Test
    void aWrittenKeyReadsBackOwnerOnly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("user-key");
        users.write(file);
        UserPseudonyms read = UserPseudonyms.read(file);
        assertThat(read.keyId()).isEqualTo(users.keyId());
        assertThat(read.pseudonym("ann")).isEqualTo(users.pseudonym("ann"));
        assertThat(Files.readString(file)).startsWith("# iccache user key");
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        assertThat(dir.resolve("user-key.tmp")).doesNotExist();
    }

    @Test
    void aBrokenKeyFileIsAnErrorNamingItNeverANewKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("user-key");
        Files.writeString(file, "# iccache user key\nbm90IGEga2V5\n");
        assertThatThrownBy(() -> UserPseudonyms.read(file)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("Restore it from a backup");
        assertThatThrownBy(() -> UserPseudonyms.read(dir.resolve("missing")))
                .hasMessageContaining("cannot be read");
    }

    @Test
    void idsStoredAsSentBecomePseudonymsAndPseudonymsStayAsTheyAre() {
        InMemoryExampleStore store = new InMemoryExampleStore();
        String mine = users.pseudonym("bob");
        String foreign = others.pseudonym("carol");
        store.putAll(List.of(example("1", Optional.of("ann@example.com")), example("2", Optional.of(mine)),
                example("3", Optional.of(foreign)), example("4", Optional.empty())));
        assertThat(users.pseudonymiseStored(store)).isEqualTo(1);
        assertThat(store.get("1").orElseThrow().user()).hasValue(users.pseudonym("ann@example.com"));
        assertThat(store.get("1").orElseThrow().response()).isEqualTo("answer 1");
        assertThat(store.get("2").orElseThrow().user()).hasValue(mine);
        assertThat(store.get("3").orElseThrow().user()).hasValue(foreign);
        assertThat(store.get("4").orElseThrow().user()).isEmpty();
        assertThat(users.pseudonymiseStored(store)).isZero();
        assertThat(store.deleteUser("t", users.pseudonym("ann@example.com"))).isEqualTo(1);
    }

    private static Example example(String id, Optional<String> user) {
        return new Example(id, "t", "[{\"role\":\"user\",\"content\":\"q" + id + "\"}]", "q" + id, new float[] {1, 0},
                "answer " + id, "m", OptionalDouble.empty(), 1, 1, T, Optional.empty(), ExampleStats.fresh(T), user);
    }

    @Test
    void keyIdsTellKeysApart() {
        List<String> ids = new ArrayList<>();
        for (int seed = 0; seed < 50; seed++) {
            ids.add(UserPseudonyms.generate(new SplittableRandom(seed)).keyId());
        }
        assertThat(ids).doesNotHaveDuplicates();
    }
}
