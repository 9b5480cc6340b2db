package dev.iccache.scrub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.config.ConfigException;
import dev.iccache.testing.ConfigSections;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScrubberSettingsTest {
    private static ScrubberSettings parse(String yaml) throws Exception {
        return ConfigSections.parse(yaml, ScrubberSettings.class);
    }

    private static ConfigException failure(String yaml) {
        return ConfigSections.failure(yaml, ScrubberSettings.class);
    }

    @Test
    void anEmptySectionMasksEveryKind() throws Exception {
        assertThat(parse("{}")).isEqualTo(ScrubberSettings.DEFAULT);
        assertThat(ScrubberSettings.DEFAULT.policy()).isEqualTo(ScrubPolicy.MASK);
        assertThat(ScrubberSettings.DEFAULT.kinds()).containsExactlyInAnyOrder(PiiKind.values());
    }

    @Test
    void readsPolicyAndKinds() throws Exception {
        assertThat(parse("policy: drop")).isEqualTo(ScrubberSettings.of(ScrubPolicy.DROP));
        assertThat(parse("policy: OFF").policy()).isEqualTo(ScrubPolicy.OFF);
        assertThat(parse("policy: mask\nkinds: [email, national-id, ip_address, SECRET]").kinds())
                .containsExactly(PiiKind.EMAIL, PiiKind.NATIONAL_ID, PiiKind.IP_ADDRESS, PiiKind.SECRET);
        assertThat(parse("policy: off\nkinds: []").kinds()).isEmpty();
    }

    @Test
    void badValuesFailWithTheKeyInTheMessage() {
        assertThat(failure("policy: delete")).hasMessage("scrub.policy must be 'mask', 'drop' or 'off', got delete");
        assertThat(failure("kinds: [emails]")).hasMessage("scrub.kinds: unknown kind 'emails'; known kinds: "
                + "email, phone, card, iban, national-id, ip-address, secret");
        assertThat(failure("kinds: [~]")).hasMessageStartingWith("scrub.kinds: unknown kind 'null'");
        assertThat(failure("kinds: []")).hasMessage("scrub.kinds must name at least one kind (email, phone, card, "
                + "iban, national-id, ip-address, secret); to stop scrubbing set scrub.policy: off");
    }

    @Test
    void unknownKeysAreRejected() {
        assertThatThrownBy(() -> parse("mode: mask")).hasMessageContaining("mode");
    }

    @Test
    void kindsAreACopyThatCannotChange() {
        Set<PiiKind> kinds = EnumSet.of(PiiKind.EMAIL);
        ScrubberSettings settings = new ScrubberSettings(ScrubPolicy.MASK, kinds);
        kinds.add(PiiKind.PHONE);
        assertThat(settings.kinds()).containsExactly(PiiKind.EMAIL);
        assertThatThrownBy(() -> settings.kinds().add(PiiKind.CARD)).isInstanceOf(UnsupportedOperationException.class);
    }
}
