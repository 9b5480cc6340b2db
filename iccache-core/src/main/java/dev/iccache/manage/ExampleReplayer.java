package dev.iccache.manage;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStore;
import dev.iccache.backend.ModelBackend;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import dev.iccache.route.Judge;
import dev.iccache.scrub.ScrubPolicy;
import dev.iccache.scrub.ScrubbedJson;
import dev.iccache.scrub.Scrubber;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.DoubleSupplier;

/**
 * Cost-aware replay (IC-Cache §4.3): regenerates the responses of the examples with the highest
 * replay gain G(e) with the large model, best-of-n, and keeps a new response when the judge
 * prefers it to the stored one. Runs only while the large tier's load is below a threshold, never
 * replays an example more than {@value #MAX_REPLAYS} times, and stops when another replay no
 * longer pays: when p̂ × G(e) × max(1, uses) (the expected saving: improvement rate so far, gain
 * per use, uses) falls below n × {@code costPerAnswer} (what the n generations cost, in the same
 * normalised cost units as G).
 */
public final class ExampleReplayer {
    /** Replays per example at most (the paper's cap). */
    public static final int MAX_REPLAYS = 5;
    /** Judge score above which a regenerated response replaces the stored one. */
    static final double IMPROVEMENT = 0.3;

    private final ExampleStore store;
    private final ModelBackend large;
    private final Judge judge;
    private final Scrubber scrubber;
    private final int bestOf;
    private final double costPerAnswer;
    private final double loadThreshold;
    private final DoubleSupplier load;
    private final Counter replays;
    private final Counter cost;
    private long replayed;
    private long improved;

    /** One replayed example. */
    public record Line(String exampleId, double gain, boolean improved, double judgeScore) {
    }

    /**
     * What a run did.
     *
     * @param stoppedBecause why it stopped: {@code budget}, {@code load}, {@code no-candidates} or {@code no-longer-pays}
     */
    public record Report(List<Line> lines, long generations, String stoppedBecause) {
        public long improvedCount() {
            return lines.stream().filter(Line::improved).count();
        }
    }

    /**
     * @param bestOf        generations per replay (n)
     * @param costPerAnswer normalised cost of one large-model generation (1 for the most expensive model)
     * @param loadThreshold large-tier utilisation at or above which replay waits
     * @param load          the large tier's utilisation now
     * @param scrubber      scrubs regenerated responses like admission does
     */
    public ExampleReplayer(ExampleStore store, ModelBackend large, Judge judge, Scrubber scrubber, int bestOf,
            double costPerAnswer, double loadThreshold, DoubleSupplier load, Metrics metrics) {
        if (bestOf < 1) {
            throw new IllegalArgumentException("bestOf must be positive");
        }
        this.store = store;
        this.large = large;
        this.judge = judge;
        this.scrubber = scrubber;
        this.bestOf = bestOf;
        this.costPerAnswer = costPerAnswer;
        this.loadThreshold = loadThreshold;
        this.load = load;
        this.replays = metrics.counter("iccache_replay_total", "Example replays by outcome (improved, unchanged).",
                "outcome");
        this.cost = metrics.counter("iccache_replay_generations_total", "Large-model generations spent on replay.");
    }

    /** Replays at most {@code budget} examples. */
    public synchronized Report run(int budget) {
        List<Example> candidates = new ArrayList<>();
        store.forEach(Optional.empty(), e -> {
            if (e.stats().replayCount() < MAX_REPLAYS && e.stats().replayGainEma() > 0) {
                candidates.add(e);
            }
        });
        candidates.sort(Comparator.comparingDouble((Example e) -> e.stats().replayGainEma()).reversed()
                .thenComparing(Example::id));
        List<Line> lines = new ArrayList<>();
        long generations = 0;
        String stopped = candidates.isEmpty() ? "no-candidates" : "budget";
        for (Example e : candidates) {
            if (lines.size() >= budget) {
                stopped = "budget";
                break;
            }
            if (load.getAsDouble() >= loadThreshold) {
                stopped = "load";
                break;
            }
            double rate = (improved + 1.0) / (replayed + 2.0);
            double saving = rate * e.stats().replayGainEma() * Math.max(1, e.stats().uses());
            if (saving < bestOf * costPerAnswer) {
                stopped = "no-longer-pays";
                break;
            }
            lines.add(replay(e));
            generations += bestOf;
            if (lines.size() == candidates.size()) {
                stopped = "no-candidates";
            }
        }
        return new Report(lines, generations, stopped);
    }

    private Line replay(Example e) {
        ChatRequest request = e.request(large.config().model());
        double best = Double.NEGATIVE_INFINITY;
        String bestText = null;
        for (int i = 0; i < bestOf; i++) {
            String text = large.complete(request).content();
            cost.inc();
            ScrubbedJson scrubbed = scrubber.scrubJson(TextNode.valueOf(text));
            if (scrubbed.found() && scrubber.policy() == ScrubPolicy.DROP) {
                continue;
            }
            text = scrubbed.value().textValue();
            OptionalDouble s = judge.compare(request, text, e.response());
            if (s.isPresent() && s.getAsDouble() > best) {
                best = s.getAsDouble();
                bestText = text;
            }
        }
        replayed++;
        boolean better = bestText != null && best > IMPROVEMENT;
        ExampleStats stats = e.stats().replayed();
        Example updated;
        if (better) {
            improved++;
            stats = new ExampleStats(stats.uses(), stats.decayedOffloads(), stats.offloadsAsOf(),
                    stats.replayGainEma() / 2, stats.replayCount(), stats.wins(), stats.losses());
            updated = e.withResponse(bestText, large.config().name(), OptionalDouble.of((best + 3) / 6),
                    (bestText.length() + 3) / 4).withStats(stats);
        } else {
            updated = e.withStats(stats);
        }
        store.put(updated);
        replays.labelValues(better ? "improved" : "unchanged").inc();
        return new Line(e.id(), e.stats().replayGainEma(), better, best);
    }
}
