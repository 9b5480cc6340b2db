package dev.iccache.scrub;

import static dev.iccache.scrub.Detections.found;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CardDetectorTest {
    private final CardDetector detector = new CardDetector();

    @ParameterizedTest
    @ValueSource(strings = {"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004",
        "2223 0000 4840 0011", "3782 822463 10005", "378282246310005", "3056 930902 5904", "6011 1111 1111 1117",
        "3530 1113 3330 0000", "4222222222222", "6250 9410 0652 8599", "4000 0000 0000 0000 006"})
    void findsLuhnValidCardNumbers(String number) {
        assertThat(found(detector, "card: " + number + ".")).containsExactly(number);
    }

    @Test
    void aCardFollowedByAnExpiryDateIsFoundWithoutIt() {
        assertThat(found(detector, "4111 1111 1111 1111 12 26 cvc 123")).containsExactly("4111 1111 1111 1111");
        assertThat(found(detector, "4111 1111 1111 1111 12/26")).containsExactly("4111 1111 1111 1111");
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111 1111 1111 1112", "4111111111111112", "1234 5678 9012 3452", "9783161484100",
        "1714567890123", "41111111111111111111", "4111.1111.1111.1111", "4111 1111-1111 1111", "41 1111 1111 1111 11",
        "8111111111111114", "order 4111111111111111x", "v4111111111111111", "4111 1111 1111", "0.4111111111111111"})
    void ignoresOtherNumbers(String text) {
        assertThat(found(detector, text)).isEmpty();
    }

    @Test
    void luhnAndIssuerChecks() {
        assertThat(CardDetector.luhn("79927398713")).isTrue();
        assertThat(CardDetector.luhn("79927398710")).isFalse();
        assertThat(CardDetector.knownIssuer("2720990000000000")).isTrue();
        assertThat(CardDetector.knownIssuer("2721000000000000")).isFalse();
        assertThat(CardDetector.knownIssuer("3528000000000000")).isTrue();
        assertThat(CardDetector.knownIssuer("3527000000000000")).isFalse();
        assertThat(CardDetector.knownIssuer("5900000000000000")).isFalse();
    }
}
