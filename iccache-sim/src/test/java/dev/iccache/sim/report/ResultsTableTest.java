package dev.iccache.sim.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultsTableTest {
    private final String table = ResultsTable.render(ResultsFixture.twoRuns());

    @Test
    void headerSaysSimulatedWithSeedCalibrationWorkloadAndArrivals() {
        assertThat(table).startsWith("SIMULATED (simulated backends");
        assertThat(ResultsTable.render(ResultsFixture.oneRun().put("label", "toy world")))
                .startsWith("SIMULATED: toy world\n");
        assertThat(table).contains("pair:        gemma2", "seeds:       [42, 43]", "calibration: config/calibration.yaml",
                "workload:    nq-open: history 1800, online 3610, recorded none: latent difficulty",
                "slo_latency_s 30",
                "arrivals:    [1] poisson 1.0 rps: 3610 requests over 3610 s, mean 1.00 rps (rate sweep point)",
                "[2] poisson 3.0 rps: 3610 requests over 1203 s, mean 3.00 rps");
    }

    @Test
    void onePolicyRowPerRunWithFormattedValues() {
        assertThat(table).contains("win(judge)", "thr/SLO rps", "cost GPU·s/req", "Δp50", "overhead p50/p99 ms");
        List<String> iccacheRows = rows("iccache");
        assertThat(iccacheRows).hasSize(2);
        assertThat(iccacheRows.getFirst()).contains("49.0%", "48.0%", "62.0%", "3.50", "15.4", "2.60", "-61.5%",
                "0.0123/0.0500");
        assertThat(rows("always-large").getFirst()).contains("50.0%", "0.0%", "9.10", "40.0", "1.00", "+0.0%");
        assertThat(rows("always-small")).hasSize(2);
    }

    @Test
    void nanAndAbsentNumbersPrintAsNotAvailable() {
        assertThat(cells(rows("always-small").getFirst())[1]).isEqualTo("n/a"); // win(judge) is NaN
        assertThat(cells(rows("iccache").getFirst())[10]).isEqualTo("n/a"); // TTFT p50 is absent
        assertThat(cells(rows("always-large").getFirst())[10]).isEqualTo("0.300");
        assertThat(cells(rows("always-large").getFirst())[7]).isEqualTo("1.00"); // capacity x
        assertThat(cells(rows("iccache").getFirst())[7]).isEqualTo("≥2.50"); // censored by the sweep
    }

    @Test
    void averagedNumbersShowTheirConfidenceIntervals() {
        assertThat(rows("iccache").getFirst()).contains("48.0% [46.0%, 50.0%]");
    }

    @Test
    void tableLinesAreAligned() {
        List<String> runOne = table.lines().dropWhile(l -> !l.startsWith("run 1")).skip(1)
                .takeWhile(l -> !l.isBlank()).toList();
        assertThat(runOne).hasSize(5); // header, rule, three policies
        assertThat(runOne).allSatisfy(l -> assertThat(l).hasSize(runOne.getFirst().length()));
        assertThat(runOne.get(1)).matches("-+");
    }

    @Test
    void aSweepAddsAPolicyByRateMatrixOfThroughputWithinSlo() {
        assertThat(table).contains("throughput within SLO (rps) by offered rate");
        String matrix = table.substring(table.indexOf("by offered rate"));
        assertThat(matrix).contains("policy \\ offered rps", "1.00", "3.00");
        assertThat(matrix.lines().filter(l -> l.startsWith("iccache")).findFirst().orElseThrow())
                .matches("iccache\\s+0\\.933\\s+2\\.80");
        assertThat(ResultsTable.render(ResultsFixture.oneRun())).doesNotContain("by offered rate");
    }

    @Test
    void anEmptyDocumentStillRenders() {
        ObjectNode empty = Json.object();
        assertThat(ResultsTable.render(empty)).startsWith("SIMULATED\n").contains("seeds:       n/a", "(no runs)");
    }

    @Test
    void numbersKeepTwoToThreeSignificantDigits() {
        assertThat(Values.sig(0.012345)).isEqualTo("0.0123");
        assertThat(Values.sig(9.1)).isEqualTo("9.10");
        assertThat(Values.sig(1234.4)).isEqualTo("1234");
        assertThat(Values.sig(0.00001234)).isEqualTo("1.23e-05");
        assertThat(Values.sig(Double.NaN)).isEqualTo("n/a");
        assertThat(Values.percent(0.5)).isEqualTo("50.0%");
        assertThat(Values.change(-0.28)).isEqualTo("-28.0%");
        assertThat(Values.number(Json.object().put("x", "NaN"), "x")).isNaN();
        assertThat(Values.number(Json.object().put("x", "2.5"), "x")).isEqualTo(2.5);
    }

    private List<String> rows(String policy) {
        return table.lines().filter(l -> l.startsWith(policy + " ") && l.contains("%")).toList();
    }

    private static String[] cells(String row) {
        return Arrays.stream(row.trim().split("\\s{2,}")).toArray(String[]::new);
    }
}
