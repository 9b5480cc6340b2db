package dev.iccache.scrub;

import static dev.iccache.scrub.Detections.found;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IbanDetectorTest {
    private final IbanDetector detector = new IbanDetector();

    @ParameterizedTest
    @ValueSource(strings = {"DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432", "FR14 2004 1010 0505 0001 3M02 606", "NL91 ABNA 0417 1643 00",
        "ES91 2100 0418 4502 0005 1332", "NO93 8601 1117 947", "BE68 5390 0754 7034", "CH93 0076 2011 6238 5295 7"})
    void findsValidIbans(String iban) {
        assertThat(found(detector, "pay to " + iban + ", ref 42")).containsExactly(iban);
        assertThat(found(detector, "IBAN:" + iban)).containsExactly(iban);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DE89 3704 0044 0532 0130 01", "GB82 WEST 1234 5698 7654", "XX89370400440532013000",
        "de89370400440532013000", "DE89370400440532013000X", "DE89 37040044 0532 0130 00", "ADE89370400440532013000",
        "DE89370400440532013", "ISO 8601", "GB2 is not an IBAN"})
    void ignoresInvalidOrPartialIbans(String text) {
        assertThat(found(detector, text)).isEmpty();
    }

    @Test
    void mod97IsTheIso7064Check() {
        assertThat(IbanDetector.mod97("GB82WEST12345698765432")).isTrue();
        assertThat(IbanDetector.mod97("GB83WEST12345698765432")).isFalse();
    }
}
