package dev.iccache.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ${NAME}} and {@code ${NAME:-default}} in the gateway's configuration. */
class EnvSubstitutionTest {
    private static final Map<String, String> ENV = Map.of("SMALL_URL", "http://10.0.0.5:8001/v1", "EMPTY", "",
            "PORT", "9000");

    @Test
    void referencesAreReplacedBeforeTheYamlIsRead() {
        IccacheConfig c = ConfigLoader.parse("""
                server:
                  port: ${PORT}
                virtual-model: ${VIRTUAL:-auto}
                backends:
                  - name: small
                    base-url: ${SMALL_URL}
                    role: small
                  - name: large
                    base-url: "${LARGE_URL:-http://127.0.0.1:8002/v1}"
                    model: "${EMPTY:-org/large}"
                # a comment may mention ${UNSET} freely
                """, "gw.yaml", ENV::get);
        assertThat(c.server().port()).isEqualTo(9000);
        assertThat(c.virtualModel()).isEqualTo("auto");
        assertThat(c.backend("small").orElseThrow().baseUrl()).isEqualTo("http://10.0.0.5:8001/v1");
        assertThat(c.backend("large").orElseThrow().baseUrl()).isEqualTo("http://127.0.0.1:8002/v1");
        assertThat(c.backend("large").orElseThrow().model()).as("empty counts as unset for :-").isEqualTo("org/large");
    }

    @Test
    void aSetEmptyVariableIsEmptyAndDoubleDollarIsLiteral() {
        assertThat(EnvSubstitution.apply("a: '${EMPTY}' b: $${PORT} c: $PORT d: ${PORT}${PORT}", "x", ENV::get))
                .isEqualTo("a: '' b: ${PORT} c: $PORT d: 90009000");
    }

    @Test
    void anUnsetVariableWithoutDefaultFailsNamingItAndItsLine() {
        assertThatThrownBy(() -> ConfigLoader.parse("backends:\n  - name: a\n    base-url: ${SMALL_URLS}\n", "gw.yaml",
                ENV::get)).isInstanceOf(ConfigException.class)
                .hasMessage("gw.yaml:3: environment variable SMALL_URLS is not set (write ${SMALL_URLS:-default} for a "
                        + "default)");
    }

    @Test
    void malformedReferencesFailNamingTheLine() {
        assertThatThrownBy(() -> EnvSubstitution.apply("a: 1\nb: ${PORT", "gw.yaml", ENV::get))
                .hasMessageStartingWith("gw.yaml:2: '${PORT' is not closed");
        assertThatThrownBy(() -> EnvSubstitution.apply("b: ${1X}", "gw.yaml", ENV::get))
                .hasMessageStartingWith("gw.yaml:1: '${1X}' does not name an environment variable");
        assertThatThrownBy(() -> EnvSubstitution.apply("b: ${}", "gw.yaml", ENV::get))
                .hasMessageStartingWith("gw.yaml:1: '${}' does not name");
    }
}
