package dev.iccache.route;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JudgeTest {
    @ParameterizedTest
    @CsvSource({"3, 1.0, true", "1.5, 0.75, true", "0.31, 0.5516666666666666, true", "0.3, 0.5, true",
        "0, 0.5, true", "-0.3, 0.5, true", "-0.31, 0.44833333333333336, false", "-3, 0.0, false"})
    void aScoreWithinTheTieBandIsATieAndOutsideItAPreference(double score, double preference, boolean atLeastAsGood) {
        assertThat(Judge.preference(score)).isCloseTo(preference, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Judge.atLeastAsGood(score)).isEqualTo(atLeastAsGood);
    }
}
