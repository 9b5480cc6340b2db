package dev.iccache.scrub;

import static dev.iccache.scrub.Detections.found;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PhoneDetectorTest {
    private final PhoneDetector detector = new PhoneDetector();

    @ParameterizedTest
    @ValueSource(strings = {"+1 555 123 4567", "+14155552671", "+44 20 7946 0958", "+1 (555) 123-4567",
        "+44 (0)20 7946 0958", "+33 6 12 34 56 78", "+49 30 12345678", "+91 98765 43210", "+1-555-123-4567",
        "+44.20.7946.0958", "(555) 123-4567", "(555)123-4567", "555-123-4567", "555.123.4567", "1-800-555-0199",
        "06 12 34 56 78", "06.12.34.56.78", "020 7946 0958", "(020) 7946 0958", "07700 900123", "030 12345678"})
    void findsPhoneNumbers(String number) {
        assertThat(found(detector, "Call me on " + number + ", please.")).containsExactly(number);
        assertThat(found(detector, "(" + number + ")")).containsExactly(number);
        assertThat(found(detector, "tel:" + number)).containsExactly(number);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-05-01", "2024-05-01 10:30", "on 05/01/2024 at 12:30:45", "01.05.2024",
        "$1,234.56", "EUR 1.234.567,89", "1 234 567,89 €", "version 1.2.3", "10.0.19045.3803",
        "order 1234567890", "timestamp 1714567890123", "555-1234", "ISBN 978-3-16-148410-0", "0-306-40615-2",
        "1990-2000", "192.168.1.10", "3.14159265358", "555 123 4567", "2+2 = 4", "x+123456789",
        "0.123456789", "100 200 300 400", "ID-555-123-4567", "555-123-4567-89", "555-123-4567.5",
        "+5 points", "+1,234", "2019-2020-2021", "12 345 678", "1-2-3-4-5-6-7-8-9", "(12) 345-6789",
        "call 123-456-7890", "000-12-3456", "(000) 1234 5678"})
    void ignoresOrdinaryNumbers(String text) {
        assertThat(found(detector, text)).isEmpty();
    }
}
