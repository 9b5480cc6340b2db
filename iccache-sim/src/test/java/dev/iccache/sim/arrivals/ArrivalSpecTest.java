package dev.iccache.sim.arrivals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ArrivalSpecTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            azure             | azure (conv trace)      | 1
            azure-code        | azure-code (code trace) | 1
            poisson:2.5       | poisson:2.5             | 1
            ' poisson:2.0 '   | poisson:2               | 1
            sweep:1,2.5,10    | sweep:1,2.5,10          | 3
            'sweep: 0.5 , 4'  | sweep:0.5,4             | 2
            """)
    void parsesTheAcceptedForms(String spec, String label, int runs) {
        ArrivalSpec parsed = ArrivalSpec.parse(spec);
        assertThat(parsed.label()).isEqualTo(label);
        assertThat(Arrivals.runs(parsed)).isEqualTo(runs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "azur", "AZURE", "fixed:3", "poisson", "poisson:", "poisson:abc", "poisson:-1",
        "poisson:0", "poisson:NaN", "poisson:Infinity", "sweep:", "sweep:1,,2", "sweep:1,-2", "sweep:1,x"})
    void badSpecsFailNamingTheAcceptedForms(String spec) {
        assertThatThrownBy(() -> ArrivalSpec.parse(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + spec + "'")
                .hasMessageContaining("azure, azure-code, poisson:RATE or sweep:R1,R2,...");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void labelsOfRandomRatesParseBackToTheSameSpec(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Double> rates = new ArrayList<>();
        for (int i = random.nextInt(1, 6); i > 0; i--) {
            rates.add(Math.exp(random.nextDouble(-5, 5)));
        }
        ArrivalSpec sweep = new RateSweep(rates);
        ArrivalSpec poisson = new PoissonRate(rates.get(0));
        assertThat(ArrivalSpec.parse(sweep.label())).isEqualTo(sweep);
        assertThat(ArrivalSpec.parse(poisson.label())).isEqualTo(poisson);
    }
}
