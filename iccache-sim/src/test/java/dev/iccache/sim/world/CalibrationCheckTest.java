package dev.iccache.sim.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.embed.FakeEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CalibrationCheckTest {
    private static List<World.Item> items(String prefix, int n) {
        List<World.Item> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String text = prefix + " about subject " + (i % 10) + " detail " + (i % 7);
            out.add(new World.Item(text, Set.of(), OptionalDouble.empty(), OptionalDouble.empty(),
                    FakeEmbedder.unitVector(text)));
        }
        return out;
    }

    @Test
    void reportsEveryMeasureInRangeAndHelpfulExamplesBeatNone() {
        Calibration cal = Calibration.pair("gemma2");
        ObjectNode r = CalibrationCheck.measure(cal, World.Kind.QA, items("history question", 200),
                items("online question", 200), 3);
        assertEquals(200, r.path("requests").asInt());
        for (String f : List.of("win_rate_small_alone", "win_rate_similar", "win_rate_reference", "win_rate_oracle",
                "win_rate_random", "judge_agreement_close_pairs")) {
            double v = r.path(f).asDouble();
            assertTrue(v >= 0 && v <= 1, f + " = " + v);
        }
        assertTrue(r.path("quality_oracle").asDouble() >= r.path("quality_small_alone").asDouble(), r.toString());
        assertTrue(r.path("quality_random").asDouble() < r.path("quality_oracle").asDouble(),
                "random examples help less: " + r);
        assertTrue(Double.isFinite(r.path("similarity_helpfulness_pearson").asDouble()));
        for (String selection : List.of("small_alone", "similar", "reference", "oracle", "random")) {
            double byTruth = r.path("parity_offload_" + selection).asDouble(Double.NaN);
            double byCosine = r.path("parity_offload_" + selection + "_by_cosine").asDouble(Double.NaN);
            assertTrue(byTruth >= 0 && byTruth <= 1, selection + ": " + byTruth);
            double byVisible = r.path("parity_offload_" + selection + "_by_visible").asDouble(Double.NaN);
            assertTrue(byCosine >= 0 && byCosine <= byTruth, "no ranking keeps more than the truth's: " + selection);
            assertTrue(byVisible >= 0 && byVisible <= byTruth, "no ranking keeps more than the truth's: " + selection);
        }
        assertTrue(r.path("parity_offload_oracle").asDouble() >= r.path("parity_offload_small_alone").asDouble(),
                r.toString());
    }
}
