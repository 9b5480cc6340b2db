package dev.iccache.manage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.BackendConfig;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.LlmJudge;
import dev.iccache.scrub.Scrubber;
import dev.iccache.scrub.ScrubberSettings;
import dev.iccache.time.VirtualClock;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** Replay against a simulated large model and the simulated judge (virtual time). */
class ExampleReplayerTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private final InMemoryExampleStore store = new InMemoryExampleStore();
    private final SimulatedBackend large = new SimulatedBackend(BackendConfig.simulated("sim-large", "large", 1),
            SimProfile.LARGE, new VirtualClock(), InstantSource.fixed(NOW), 3, 1);
    private final Metrics metrics = new Metrics();
    private double load;

    private ExampleReplayer replayer() {
        return new ExampleReplayer(store, large, new LlmJudge(large), Scrubber.from(ScrubberSettings.DEFAULT), 2,
                1.0, 0.5, () -> load, metrics);
    }

    private void put(String id, String response, double gain, long uses, int replays) {
        store.put(new Example(id, "t", "[{\"role\":\"user\",\"content\":\"Question " + id + "?\"}]", "Question " + id,
                new float[] {1, 0}, response, "sim-small", OptionalDouble.of(0.2), 5, 5, NOW, Optional.empty(),
                new ExampleStats(uses, 0, NOW, gain, replays, 0, 0)));
    }

    @Test
    void improvesAPlantedLowQualityExample() {
        put("weak", "[simulated small] a poor answer", 0.8, 10, 0);
        ExampleReplayer.Report report = replayer().run(5);
        assertThat(report.lines()).singleElement().satisfies(l -> assertThat(l.improved()).isTrue());
        assertThat(report.generations()).isEqualTo(2);
        Example after = store.get("weak").orElseThrow();
        assertThat(after.response()).startsWith("[simulated large]");
        assertThat(after.model()).isEqualTo("sim-large");
        assertThat(after.stats().replayCount()).isEqualTo(1);
        assertThat(after.stats().replayGainEma()).isEqualTo(0.4);
        assertThat(after.quality().getAsDouble()).isGreaterThan(0.5);
        assertThat(metrics.scrape()).contains("iccache_replay_total{outcome=\"improved\"} 1.0",
                "iccache_replay_generations_total 2.0");
    }

    @Test
    void skipsExamplesReplayedFiveTimesAndWaitsWhileLoaded() {
        put("tired", "[simulated small] x", 0.9, 10, ExampleReplayer.MAX_REPLAYS);
        assertThat(replayer().run(5).stoppedBecause()).isEqualTo("no-candidates");
        put("weak", "[simulated small] x", 0.9, 10, 0);
        load = 0.9;
        ExampleReplayer.Report busy = replayer().run(5);
        assertThat(busy.stoppedBecause()).isEqualTo("load");
        assertThat(busy.lines()).isEmpty();
    }

    @Test
    void stopsWhenAnotherReplayNoLongerPays() {
        put("valuable", "[simulated small] x", 0.8, 20, 0);
        put("marginal", "[simulated small] y", 0.01, 1, 0);
        ExampleReplayer.Report report = replayer().run(10);
        assertThat(report.lines()).extracting(ExampleReplayer.Line::exampleId).containsExactly("valuable");
        assertThat(report.stoppedBecause()).isEqualTo("no-longer-pays");
        assertThat(store.get("marginal").orElseThrow().stats().replayCount()).isZero();
    }
}
