package dev.iccache.scrub;

import static dev.iccache.scrub.Detections.found;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmailDetectorTest {
    private final EmailDetector detector = new EmailDetector();

    @ParameterizedTest
    @ValueSource(strings = {"john.doe@example.com", "a+tag@sub.example.co.uk", "x_y-z%1@mail-server.io",
        "Jane.Smith@Company.COM", "1234@numbers.example.org", "user@xn--bcher-kva.example"})
    void findsAddresses(String address) {
        assertThat(found(detector, "write to " + address + ", thanks")).containsExactly(address);
    }

    @Test
    void trailingPunctuationAndBracketsAreNotPartOfTheAddress() {
        assertThat(found(detector, "Mail <bob@example.org>. Or mailto:alice@example.net.")).containsExactly(
                "bob@example.org", "alice@example.net");
    }

    @ParameterizedTest
    @ValueSource(strings = {"@username on GitHub", "user@localhost", "icon@2x.png and logo@3x.webp", "pkg@1.2.3",
        "a@b.c", "foo@bar", "name @ example.com", "email me at [EMAIL]", "x@-bad.example.com",
        "npm i @types/node@20.11.5", "decorators: @Override @Test", "https://alice:s3cret@git.example.com/repo"})
    void ignoresNonAddresses(String text) {
        assertThat(found(detector, text)).isEmpty();
    }
}
