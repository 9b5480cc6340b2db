package dev.iccache.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.config.ConfigException;
import dev.iccache.config.TenantConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TenantResolverTest {
    private final Map<String, String> env = Map.of("A_KEY", "sk-a", "B_KEY", "sk-b");

    @Test
    void withoutTenantsEveryRequestIsTheDefaultTenant() {
        TenantResolver r = new TenantResolver(List.of(), env::get);
        assertThat(r.authenticates()).isFalse();
        assertThat(r.resolve(Optional.empty())).isEqualTo(Tenant.DEFAULT);
        assertThat(r.resolve(Optional.of("Bearer whatever"))).isEqualTo(Tenant.DEFAULT);
    }

    @Test
    void keysMapToTenantsAndUnknownKeysAre401() {
        TenantResolver r = new TenantResolver(List.of(new TenantConfig("a", "A_KEY", true),
                new TenantConfig("b", "B_KEY", false)), env::get);
        assertThat(r.resolve(Optional.of("Bearer sk-a"))).isEqualTo(new Tenant("a", true));
        assertThat(r.resolve(Optional.of("bearer  sk-b "))).isEqualTo(new Tenant("b", false));
        for (Optional<String> bad : List.of(Optional.<String>empty(), Optional.of("Bearer sk-c"),
                Optional.of("Basic sk-a"), Optional.of("Bearer "))) {
            assertThatThrownBy(() -> r.resolve(bad)).isInstanceOfSatisfying(IccacheException.class,
                    e -> assertThat(e.kind()).isEqualTo(ErrorKind.AUTHENTICATION));
        }
    }

    @Test
    void issuedKeysResolveToTheirTenantAndTurnOnAuthentication() {
        Map<String, String> issued = new java.util.concurrent.ConcurrentHashMap<>();
        IssuedKeys keys = new IssuedKeys() {
            @Override
            public Optional<String> tenantOf(String keyDigest) {
                return Optional.ofNullable(issued.get(keyDigest));
            }

            @Override
            public boolean isEmpty() {
                return issued.isEmpty();
            }
        };
        TenantResolver open = new TenantResolver(List.of(), env::get, keys);
        assertThat(open.authenticates()).isFalse();
        assertThat(open.resolve(Optional.empty())).isEqualTo(Tenant.DEFAULT);
        issued.put(TenantResolver.digest("sk-issued-b"), "b");
        issued.put(TenantResolver.digest("sk-issued-new"), "new");
        assertThat(open.authenticates()).as("a live issued key").isTrue();
        assertThatThrownBy(() -> open.resolve(Optional.empty())).isInstanceOf(IccacheException.class);

        TenantResolver r = new TenantResolver(List.of(new TenantConfig("b", "B_KEY", false)), env::get, keys);
        assertThat(r.resolve(Optional.of("Bearer sk-issued-b"))).as("a configured tenant's settings")
                .isEqualTo(new Tenant("b", false));
        assertThat(r.resolve(Optional.of("Bearer sk-issued-new"))).isEqualTo(new Tenant("new", true));
        assertThat(r.resolve(Optional.of("Bearer sk-b"))).as("config keys still work").isEqualTo(new Tenant("b", false));
        issued.remove(TenantResolver.digest("sk-issued-b"));
        assertThatThrownBy(() -> r.resolve(Optional.of("Bearer sk-issued-b"))).isInstanceOfSatisfying(
                IccacheException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.AUTHENTICATION));
    }

    @Test
    void onlyTenantsConfiguredInOneDomainShareExamples() {
        Map<String, String> keys = Map.of("A", "ka", "B", "kb", "C", "kc");
        TenantResolver r = new TenantResolver(List.of(new TenantConfig("a", "A", true, "acme", 0),
                new TenantConfig("b", "B", true, "acme", 24), new TenantConfig("c", "C", true)), keys::get);
        assertThat(r.resolve(Optional.of("Bearer ka")).scope()).containsExactlyInAnyOrder("a", "b");
        assertThat(r.resolve(Optional.of("Bearer kb")).ttlHours()).isEqualTo(24);
        assertThat(r.resolve(Optional.of("Bearer kc")).scope()).containsExactly("c");
    }

    @Test
    void missingOrSharedKeysFailAtStartUp() {
        assertThatThrownBy(() -> new TenantResolver(List.of(new TenantConfig("a", "NOPE", true)), env::get))
                .isInstanceOf(ConfigException.class).hasMessageContaining("NOPE");
        assertThatThrownBy(() -> new TenantResolver(List.of(new TenantConfig("a", "A_KEY", true),
                new TenantConfig("b", "A_KEY", true)), env::get)).isInstanceOf(ConfigException.class);
    }
}
