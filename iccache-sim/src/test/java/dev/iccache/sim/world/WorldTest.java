package dev.iccache.sim.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iccache.embed.FakeEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorldTest {
    private final Calibration cal = Calibration.pair("gemma2");

    private World world(long seed) {
        List<World.Item> items = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String text = "question number " + (i % 20) + " about topic " + (i % 4);
            items.add(new World.Item(text + (i >= 20 ? " again" : ""), Set.of("a" + (i % 20)), OptionalDouble.empty(),
                    i == 0 ? OptionalDouble.of(1.0) : OptionalDouble.empty(), FakeEmbedder.unitVector(text)));
        }
        return new World(World.Truth.of(cal, World.Kind.QA, items, seed), "small");
    }

    @Test
    void responsesAreDeterministicForASeedAndCarryTheirMarker() {
        World a = world(3);
        World b = world(3);
        World.Response ra = a.generate(5, "large", List.of());
        World.Response rb = b.generate(5, "large", List.of());
        assertEquals(ra.quality(), rb.quality());
        assertEquals(ra.text(), rb.text());
        assertEquals(Optional.of(ra), a.responseIn("prefix " + ra.text()));
        assertTrue(ra.text().contains("[simulated large answer]"));
    }

    @Test
    void recordedOutcomesAreTheBaseQuality() {
        assertEquals(1.0, world(1).baseQuality(0, "large"));
    }

    @Test
    void helpfulExamplesRaiseTheSmallModelAndIrrelevantOnesLowerIt() {
        World w = world(4);
        World.Response same = w.generate(25, "large", List.of()); // the same question, asked again
        double none = w.expectedQuality(5, "small", List.of());
        double withSame = w.expectedQuality(5, "small", List.of(same));
        assertTrue(w.helpfulness(5, same) > 0);
        assertTrue(withSame >= none, withSame + " vs " + none);
        World.Response junk = new World.Response(-1, 26, "large", 0.0, 0.0, 10, "x"); // quality 0: helps nobody
        assertTrue(w.expectedQuality(5, "small", List.of(junk)) < none || none == 0);
    }

    @Test
    void aCachedAnswerIsRightOnlyForTheSameAnswer() {
        World w = world(5);
        World.Response r = w.generate(5, "large", List.of());
        assertEquals(r.quality(), w.reusedQuality(25, r.text()), "same gold answer");
        assertEquals(cal.number("reuse.wrong-quality"), w.reusedQuality(6, r.text()));
        assertFalse(w.truth().sameAnswer(5, 6));
    }

    @Test
    void theJudgeAgreesWithTheTruthAboutSeventyPercentOnClosePairs() {
        SimJudge judge = new SimJudge(world(6), cal, 9, Optional.empty());
        java.util.SplittableRandom noise = new java.util.SplittableRandom(1);
        int agree = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            double d = 0.2 * (i + 0.5) / n;
            if (judge.verdict(0.5 + d, 0.5, noise) > 0) {
                agree++;
            }
        }
        double rate = agree / (double) n;
        assertTrue(rate > 0.62 && rate < 0.8, "agreement " + rate);
    }

    @Test
    void askingTheJudgeAgainAboutTheSamePairTeachesNothingNew() {
        World w = world(8);
        SimJudge judge = new SimJudge(w, cal, 9, Optional.empty());
        World.Response a = w.generate(5, "small", List.of());
        World.Response b = w.generate(5, "large", List.of());
        var body = dev.iccache.api.Json.object();
        body.put("model", "m");
        body.putArray("messages").addObject().put("role", "user").put("content", w.truth().item(5).text());
        var request = dev.iccache.api.ChatRequest.of(body);
        double first = judge.compare(request, a.text(), b.text()).orElseThrow();
        for (int i = 0; i < 20; i++) {
            assertEquals(first, judge.compare(request, a.text(), b.text()).orElseThrow(), "the same verdict every time");
            assertEquals(-first, judge.compare(request, b.text(), a.text()).orElseThrow(), 1e-12, "and mirrored");
        }
        assertEquals(first, judge.verdict(a, b), "the offline verdict draws the same noise");
    }
}
