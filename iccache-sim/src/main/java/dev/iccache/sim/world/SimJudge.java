package dev.iccache.sim.world;

import dev.iccache.api.ChatRequest;
import dev.iccache.route.Judge;
import dev.iccache.sim.engine.ServerModel;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * The simulated pairwise judge (EVALUATION.md §2.4): reads the hidden qualities of the two answers
 * and prefers the first with probability σ((q₁ − q₂)/τ), τ the calibrated temperature (about 70%
 * agreement with the truth on close pairs); the 7-point score is 3·tanh(s/scale) of the noisy
 * difference s, so |score| ≤ 0.3 is a tie as for the LLM judge. When it serves the gateway, each
 * verdict costs two calls (both orders) on the judge model's servers.
 */
public final class SimJudge implements Judge {
    private static final int VERDICT_TOKENS = 20;

    private final World world;
    private final double temperature;
    private final double scale;
    private final SplittableRandom random;
    private final Optional<ServerModel> servers;
    private long verdicts;

    /** @param servers the judge model's servers, which the calls load; empty for the bench's scoring judge */
    public SimJudge(World world, Calibration cal, long seed, Optional<ServerModel> servers) {
        this.world = world;
        this.temperature = cal.number("judge.temperature");
        this.scale = cal.number("judge.score-scale");
        this.random = new SplittableRandom(seed);
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
        return OptionalDouble.of(score(a - b));
    }

    /** A noisy 7-point verdict on two answers of these true qualities (positive: the first is better). */
    public double verdict(double first, double second) {
        return score(first - second);
    }

    private double score(double difference) {
        double u = random.nextDouble();
        double logistic = Math.log(u / (1 - u + 1e-12) + 1e-12);
        return 3 * Math.tanh((difference + temperature * logistic) / scale);
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
