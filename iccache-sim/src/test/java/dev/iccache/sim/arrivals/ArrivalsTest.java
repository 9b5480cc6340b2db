package dev.iccache.sim.arrivals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iccache.workload.DataDirectory;
import dev.iccache.workload.MissingDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Poisson and trace arrivals: on tiny traces in the shared data's layout, and on the real Azure
 * trace when {@code ../shared/data} has it (those tests are skipped otherwise).
 */
class ArrivalsTest {
    private static final ArrivalSpec CONV = ArrivalSpec.parse("azure");
    private static final ArrivalSpec CODE = ArrivalSpec.parse("azure-code");

    @TempDir
    Path dir;

    /** Writes a conv trace of rows {seconds after 18:00:00, context tokens, generated tokens}. */
    private DataDirectory tinyTrace(double[]... rows) throws IOException {
        StringBuilder csv = new StringBuilder("TIMESTAMP,ContextTokens,GeneratedTokens\n");
        for (double[] r : rows) {
            csv.append("2023-11-16 18:%02d:%010.7f,%d,%d\n".formatted((int) r[0] / 60, r[0] % 60, (int) r[1],
                    (int) r[2]));
        }
        Path folder = Files.createDirectories(dir.resolve("azure-llm-trace-2023"));
        Files.writeString(folder.resolve("AzureLLMInferenceTrace_conv.csv"), csv);
        return DataDirectory.at(dir);
    }

    private static DataDirectory sharedTrace() {
        DataDirectory data = DataDirectory.locate(Path.of(""));
        assumeTrue(Files.isDirectory(data.root().resolve("azure-llm-trace-2023")), "no shared Azure trace");
        return data;
    }

    private static void assertSorted(List<Arrival> arrivals) {
        assertThat(arrivals).isSortedAccordingTo(Comparator.comparingDouble(Arrival::atSeconds));
    }

    @Test
    void traceIsShiftedToZeroAndScaledToTheMeanRate() throws IOException {
        DataDirectory data = tinyTrace(new double[] {70, 10, 5}, new double[] {61, 11, 0},
                new double[] {63, 12, 5000}, new double[] {66, 13, 7}, new double[] {60, 14, 8});
        Schedule s = Arrivals.schedule(CONV, 0, 5, 1.0, 1000, 7, data);
        // span 10 s, 5 rows: 0.5 req/s, so factor (5 / 10) / 1.0 = 0.5.
        assertThat(s.scale()).isEqualTo(0.5);
        assertThat(s.meanRate()).isEqualTo(1.0);
        assertThat(s.label()).isEqualTo("azure (conv trace)");
        assertThat(s.arrivals()).containsExactly(new Arrival(0, 14, 8), new Arrival(0.5, 11, 1),
                new Arrival(1.5, 12, 1000), new Arrival(3, 13, 7), new Arrival(5, 10, 5));
        assertThat(s.note()).contains("AzureLLMInferenceTrace_conv.csv", "5 rows", "scaled by 0.500000");
    }

    @Test
    void thinningKeepsASortedSubsetAtTheRequestedRate() throws IOException {
        double[][] rows = new double[50][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new double[] {i * i * 0.1, i, i + 1};
        }
        DataDirectory data = tinyTrace(rows);
        Schedule s = Arrivals.schedule(CONV, 0, 10, 3.0, 1000, 11, data);
        assertThat(s.arrivals()).hasSize(10).extracting(Arrival::promptTokens).isSorted().doesNotHaveDuplicates();
        assertThat(s.arrivals().get(0).atSeconds()).isZero();
        assertThat(s.meanRate()).isCloseTo(3.0, within(1e-12));
        assertThat(Arrivals.schedule(CONV, 0, 10, 3.0, 1000, 11, data)).isEqualTo(s);
        assertThat(Arrivals.schedule(CONV, 0, 10, 3.0, 1000, 12, data)).isNotEqualTo(s);
    }

    @Test
    void askingForMoreArrivalsThanTheTraceHasFails() throws IOException {
        DataDirectory data = tinyTrace(new double[] {0, 1, 1}, new double[] {1, 1, 1}, new double[] {2, 1, 1});
        assertThatThrownBy(() -> Arrivals.schedule(CONV, 0, 4, 1.0, 100, 1, data))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 3 rows, fewer than the 4 arrivals asked for");
    }

    @Test
    void absentTraceFailsNamingTheExpectedPathAndOrigin() {
        assertThatThrownBy(() -> Arrivals.schedule(CODE, 0, 10, 1.0, 100, 1, DataDirectory.at(dir)))
                .isInstanceOf(MissingDataException.class)
                .hasMessageContaining(dir.resolve("azure-llm-trace-2023").toString())
                .hasMessageContaining("Azure/AzurePublicDataset");
    }

    @Test
    void badArgumentsFail() {
        DataDirectory data = DataDirectory.at(dir);
        ArrivalSpec sweep = ArrivalSpec.parse("sweep:1,2");
        assertThatThrownBy(() -> Arrivals.schedule(sweep, 2, 10, 1, 100, 1, data)).hasMessageContaining("makes 2 run");
        assertThatThrownBy(() -> Arrivals.schedule(sweep, 0, 1, 1, 100, 1, data)).hasMessageContaining("at least 2");
        assertThatThrownBy(() -> Arrivals.schedule(sweep, 0, 10, 1, 0, 1, data)).hasMessageContaining("maxOutput");
        assertThatThrownBy(() -> Arrivals.schedule(CONV, 0, 10, 0, 100, 1, data)).hasMessageContaining("meanRate");
        assertThatThrownBy(() -> Arrivals.traceStats(sweep, data)).hasMessageContaining("replays no trace");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void poissonGapsAverageOneOverTheRate(long seed) {
        Schedule s = Arrivals.schedule(ArrivalSpec.parse("poisson:2.5"), 0, 20_000, 99, 4000, seed,
                DataDirectory.at(dir));
        List<Arrival> a = s.arrivals();
        assertSorted(a);
        assertThat(a.get(0).atSeconds()).isZero();
        double meanGap = a.get(a.size() - 1).atSeconds() / (a.size() - 1);
        // The mean of 20k exponential gaps has a relative standard deviation of 0.7%.
        assertThat(meanGap).isCloseTo(0.4, within(0.4 * 0.03));
        assertThat(s.scale()).isEqualTo(1);
        assertThat(s.meanRate()).isEqualTo(a.size() / a.get(a.size() - 1).atSeconds());
        double[] outputs = a.stream().mapToDouble(Arrival::outputTokens).sorted().toArray();
        assertThat(outputs[outputs.length / 2]).isCloseTo(250, within(250 * 0.05));
        assertThat(a).allSatisfy(x -> assertThat(x.promptTokens()).isZero());
        assertThat(s.note()).contains("log-normal", "prompt tokens 0");
    }

    @Test
    void poissonIsDeterministicForASeedAndClampsOutputTokens() {
        ArrivalSpec spec = ArrivalSpec.parse("poisson:4");
        DataDirectory data = DataDirectory.at(dir);
        Schedule s = Arrivals.schedule(spec, 0, 500, 1, 300, 9, data);
        assertThat(Arrivals.schedule(spec, 0, 500, 1, 300, 9, data)).isEqualTo(s);
        assertThat(Arrivals.schedule(spec, 0, 500, 1, 300, 10, data)).isNotEqualTo(s);
        assertThat(s.arrivals()).extracting(Arrival::outputTokens).allSatisfy(t -> assertThat(t).isBetween(1, 300))
                .contains(300);
    }

    @Test
    void sweepRunsEachRateAndTakesTokensFromTheConvTraceWhenPresent() throws IOException {
        DataDirectory data = tinyTrace(new double[] {0, 100, 7}, new double[] {1, 200, 9});
        ArrivalSpec sweep = ArrivalSpec.parse("sweep:1,8");
        Schedule slow = Arrivals.schedule(sweep, 0, 5000, 1, 100, 3, data);
        Schedule fast = Arrivals.schedule(sweep, 1, 5000, 1, 100, 3, data);
        assertThat(slow.label()).isEqualTo("poisson:1");
        assertThat(fast.label()).isEqualTo("poisson:8");
        assertThat(slow.meanRate()).isCloseTo(1, within(0.05));
        assertThat(fast.meanRate()).isCloseTo(8, within(0.4));
        assertThat(fast.arrivals()).extracting(a -> a.promptTokens() + ":" + a.outputTokens())
                .containsOnly("100:7", "200:9");
        assertThat(fast.note()).contains("AzureLLMInferenceTrace_conv.csv (2 rows)");
    }

    @Test
    void convTraceThinnedTo1000KeepsTheRequestedRate() {
        DataDirectory data = sharedTrace();
        Schedule s = Arrivals.schedule(CONV, 0, 1000, 2.0, 4000, 42, data);
        assertThat(s.arrivals()).hasSize(1000);
        assertSorted(s.arrivals());
        assertThat(s.meanRate()).isCloseTo(2.0, within(2.0 * 1e-9));
        assertThat(Arrivals.traceStats(CONV, data).rows()).isEqualTo(19_366);
    }

    @Test
    void codeTraceThinnedAndRescaledKeepsItsBursts() {
        DataDirectory data = sharedTrace();
        TraceStats whole = Arrivals.traceStats(CODE, data);
        Schedule s = Arrivals.schedule(CODE, 0, 1000, 2.0, 4000, 42, data);
        // One minute of the trace lasts 60 * scale seconds after rescaling.
        double thinnedCv = Arrivals.countCv(s.arrivals(), 60 * s.scale());
        assertThat(thinnedCv).isBetween(0.75 * whole.perMinuteCv(), 1.33 * whole.perMinuteCv());
        Schedule poisson = Arrivals.schedule(ArrivalSpec.parse("poisson:2"), 0, 1000, 2.0, 4000, 42, data);
        assertThat(thinnedCv).isGreaterThan(2 * Arrivals.countCv(poisson.arrivals(), 60 * s.scale()));
    }
}
