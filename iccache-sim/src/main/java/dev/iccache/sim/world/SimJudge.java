package dev.iccache.sim.world;

import dev.iccache.api.ChatRequest;
import dev.iccache.route.Judge;
import dev.iccache.sim.engine.ServerModel;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * The simulated pairwise judge (EVALUATION.md §2.4, Appendix A): reads the hidden qualities of the
 * two answers and prefers the first with probability σ((q₁ − q₂)/τ), τ the calibrated temperature
 * (about 70% agreement with the truth on close pairs); the 7-point score is 3·tanh(s/scale) of the
 * noisy difference s, so |score| ≤ 0.3 is a tie as for the LLM judge. The noise of a verdict is
 * drawn once per pair of answers: asking again about the same two answers (in either order) gives
 * the same verdict, so repeated questions teach nothing new. When it serves the gateway, each
 * verdict costs two calls (both orders) on the judge model's servers.
 */
public final class SimJudge implements Judge {
    private static final int VERDICT_TOKENS = 20;

    private final World world;
    private final double temperature;
    private final double scale;
    private final long seed;
    private final Optional<ServerModel> servers;
    private long verdicts;

    /** @param servers the judge model's servers, which the calls load; empty for an offline judge */
    public SimJudge(World world, Calibration cal, long seed, Optional<ServerModel> servers) {
        this.world = world;
        this.temperature = cal.number("judge.temperature");
        this.scale = cal.number("judge.score-scale");
        this.seed = seed;
        this.servers = servers;
    }

    @Override
    public OptionalDouble compare(ChatRequest request, String first, String second) {
        Optional<Integer> item = request.lastUserText().flatMap(world::itemOf);
        if (item.isEmpty()) {
            return OptionalDouble.empty();
        }
        double a = quality(item.get(), first);
        double b = quality(item.get(), second);
        servers.ifPresent(s -> {
            int prompt = (first.length() + second.length()) / 4 + 300;
            s.submit(prompt, VERDICT_TOKENS, t -> { });
            s.submit(prompt, VERDICT_TOKENS, t -> { });
        });
        verdicts++;
        return OptionalDouble.of(score(a - b, noise(key(first), key(second))));
    }

    /** The verdict on two responses of the world (the same noise as {@link #compare} would draw). */
    public double verdict(World.Response first, World.Response second) {
        return score(first.quality() - second.quality(), noise(first.id(), second.id()));
    }

    /**
     * A fresh noisy verdict on two answers of these true qualities (positive: the first is better),
     * for scoring with a judge, where each pair is judged once.
     */
    public double verdict(double first, double second, SplittableRandom random) {
        return score(first - second, logistic(random.nextDouble()));
    }

    /** A response's id, or (for a text that is not one) a key of the text outside the ids' range. */
    private long key(String answer) {
        return world.responseIn(answer).map(r -> (long) r.id()).orElse((1L << 40) + (answer.hashCode() & 0xffffffffL));
    }

    /** The logistic noise of the ordered pair (a, b): drawn once for the pair, negated for (b, a). */
    private double noise(long a, long b) {
        if (a == b) {
            return 0;
        }
        long lo = Math.min(a, b);
        long hi = Math.max(a, b);
        double u = new SplittableRandom(seed ^ (lo * 0x9E3779B97F4A7C15L) ^ (hi * 0xC2B2AE3D27D4EB4FL)).nextDouble();
        double l = logistic(u);
        return a == lo ? l : -l;
    }

    private static double logistic(double u) {
        return Math.log(u / (1 - u + 1e-12) + 1e-12);
    }

    private double score(double difference, double noise) {
        return 3 * Math.tanh((difference + temperature * noise) / scale);
    }

    private double quality(int item, String answer) {
        return world.responseIn(answer).filter(r -> r.item() == item).map(World.Response::quality)
                .orElseGet(() -> world.reusedQuality(item, answer));
    }

    /** Verdicts given so far. */
    public long verdicts() {
        return verdicts;
    }
}
