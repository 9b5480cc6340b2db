package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bank's user key in {@code data-dir/user-key}, and banks that hold end-user ids as they were sent. */
class UserKeyTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path data;

    private IccacheConfig config() {
        return IccacheConfig.embeddedDefault().toBuilder().dataDir(data).build();
    }

    private static Example example(String id, String user) {
        return new Example(id, "default", "[{\"role\":\"user\",\"content\":\"q" + id + "\"}]", "q" + id,
                new float[] {1, 0}, "a", "m", OptionalDouble.empty(), 1, 1, T, Optional.empty(), ExampleStats.fresh(T),
                Optional.of(user));
    }

    @Test
    void theFirstOpenMakesTheKeyAndPseudonymisesIdsStoredAsSent() {
        UserPseudonyms users;
        try (LuceneExampleStore store = LuceneExampleStore.open(ExampleBank.bankDirectory(config()))) {
            store.putAll(List.of(example("1", "ann@example.com"), example("2", "bob")));
            users = ExampleBank.userPseudonyms(config(), store);
            assertThat(store.get("1").orElseThrow().user()).hasValue(users.pseudonym("ann@example.com"));
            assertThat(store.get("2").orElseThrow().user()).hasValue(users.pseudonym("bob"));
        }
        assertThat(data.resolve("user-key")).exists();
        assertThat(data.resolve("user-key.new")).doesNotExist();
        try (LuceneExampleStore store = LuceneExampleStore.open(ExampleBank.bankDirectory(config()))) {
            assertThat(ExampleBank.userPseudonyms(config(), store).keyId()).isEqualTo(users.keyId());
            assertThat(store.deleteUser("default", users.pseudonym("ann@example.com"))).isEqualTo(1);
        }
    }

    @Test
    void anInterruptedFirstOpenResumesWithTheSameKey() {
        UserPseudonyms pending = UserPseudonyms.generate(new SplittableRandom(3));
        pending.write(data.resolve("user-key.new"));
        try (LuceneExampleStore store = LuceneExampleStore.open(ExampleBank.bankDirectory(config()))) {
            store.putAll(List.of(example("1", pending.pseudonym("ann")), example("2", "bob")));
            UserPseudonyms users = ExampleBank.userPseudonyms(config(), store);
            assertThat(users.keyId()).isEqualTo(pending.keyId());
            assertThat(store.get("1").orElseThrow().user()).hasValue(pending.pseudonym("ann"));
            assertThat(store.get("2").orElseThrow().user()).hasValue(pending.pseudonym("bob"));
        }
        assertThat(UserPseudonyms.read(data.resolve("user-key")).keyId()).isEqualTo(pending.keyId());
        assertThat(data.resolve("user-key.new")).doesNotExist();
    }

    @Test
    void aMemoryBankKeepsNoKey() {
        IccacheConfig memory = config().toBuilder().bank(BankConfig.DEFAULT.withStore("memory")).build();
        ExampleBank.userPseudonyms(memory, new dev.iccache.bank.InMemoryExampleStore());
        assertThat(data.resolve("user-key")).doesNotExist();
    }
}
