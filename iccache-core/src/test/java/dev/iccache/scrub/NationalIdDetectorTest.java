package dev.iccache.scrub;

import static dev.iccache.scrub.Detections.found;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NationalIdDetectorTest {
    private final NationalIdDetector detector = new NationalIdDetector();

    @ParameterizedTest
    @ValueSource(strings = {"123-45-6789", "078-05-1120", "899-99-9999", "001-01-0001", "AB 12 34 56 C", "AB123456C",
        "JG103759A", "ZY 98 76 54 D"})
    void findsNationalIds(String id) {
        assertThat(found(detector, "my number is " + id + ".")).containsExactly(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"000-12-3456", "666-12-3456", "900-12-3456", "999-99-9999", "123-00-4567", "123-45-0000",
        "123-45-67890", "1123-45-6789", "x123-45-6789", "123-45-6789-01", "2024-05-01", "DA 12 34 56 C",
        "AD 12 34 56 C", "GB123456A", "ZZ123456A", "AB 12 3456 C", "AB123456E", "ab123456c", "AB1234567C"})
    void ignoresInvalidFormsAndRanges(String text) {
        assertThat(found(detector, text)).isEmpty();
    }
}
