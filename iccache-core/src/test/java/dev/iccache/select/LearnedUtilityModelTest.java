package dev.iccache.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iccache.bank.ExampleStats;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnedUtilityModelTest {
    private static final ExampleStats FRESH = ExampleStats.fresh(Instant.EPOCH);

    /** A candidate with visible features and a hidden true helpfulness. */
    private record Planted(UtilityFeatures features, double truth) {
    }

    /**
     * Planted signal: helpfulness depends on the example's past win record (which similarity does
     * not show) and only weakly on similarity, as the paper measured (Pearson 0.04-0.22).
     */
    private static Planted planted(SplittableRandom r) {
        double similarity = 0.55 + 0.45 * r.nextDouble();
        long judged = r.nextInt(20);
        double goodness = r.nextDouble();
        long wins = Math.round(judged * goodness);
        ExampleStats stats = new ExampleStats(judged, 0, Instant.EPOCH, 0, 0, wins, judged - wins);
        double truth = 1 / (1 + Math.exp(-(6 * (goodness - 0.5) + 0.5 * (similarity - 0.75))));
        return new Planted(UtilityFeatures.of(similarity, Double.NaN, 7.17, 1, 200, 8192, stats, 50), truth);
    }

    @Test
    void theLearnedModelBeatsSimilarityOnlySelectionOnAPlantedSignal() {
        SplittableRandom r = new SplittableRandom(42);
        LearnedUtilityModel model = new LearnedUtilityModel();
        for (int i = 0; i < 4000; i++) {
            Planted p = planted(r);
            model.learn(p.features(), "small", r.nextDouble() < p.truth());
        }
        double learnedTruth = 0;
        double similarityTruth = 0;
        int requests = 500;
        for (int q = 0; q < requests; q++) {
            List<Planted> candidates = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                candidates.add(planted(r));
            }
            learnedTruth += top5(candidates, Comparator.comparingDouble(p -> -model.score(p.features(), "small")));
            similarityTruth += top5(candidates, Comparator.comparingDouble(p -> -p.features().similarity()));
        }
        learnedTruth /= requests;
        similarityTruth /= requests;
        assertThat(learnedTruth).as("mean true helpfulness of the top 5: learned %.3f vs similarity %.3f",
                learnedTruth, similarityTruth).isGreaterThan(similarityTruth + 0.15);
    }

    private static double top5(List<Planted> candidates, Comparator<Planted> order) {
        return candidates.stream().sorted(order).limit(5).mapToDouble(Planted::truth).average().orElseThrow();
    }

    @Test
    void coldStartIsTheDocumentedPrior() {
        LearnedUtilityModel model = new LearnedUtilityModel();
        UtilityFeatures close = UtilityFeatures.of(0.86, Double.NaN, Double.NaN, 1, 100, 8192, FRESH, 10);
        assertThat(model.score(close, "small")).isCloseTo(0.8 * 0.8, within(1e-9));
        UtilityFeatures good = UtilityFeatures.of(1.0, 0.9, Double.NaN, 1, 100, 8192, FRESH, 10);
        assertThat(model.score(good, "small")).isCloseTo(0.9, within(1e-9));
        UtilityFeatures far = UtilityFeatures.of(0.25, 1.0, Double.NaN, 1, 100, 8192, FRESH, 10);
        assertThat(model.score(far, "small")).isZero();
    }

    @Test
    void learningIsPerTargetModelAndSurvivesACheckpoint(@TempDir Path dir) {
        LearnedUtilityModel model = new LearnedUtilityModel();
        UtilityFeatures f = UtilityFeatures.of(0.9, 0.9, Double.NaN, 1, 100, 8192, FRESH, 10);
        double before = model.score(f, "small");
        for (int i = 0; i < 300; i++) {
            model.learn(f, "small", false);
        }
        assertThat(model.score(f, "small")).isLessThan(before - 0.3);
        assertThat(model.score(f, "other")).isEqualTo(before);
        Path file = dir.resolve("utility.json");
        model.save(file);
        LearnedUtilityModel loaded = LearnedUtilityModel.load(file);
        assertThat(loaded.labels("small")).isEqualTo(300);
        assertThat(loaded.score(f, "small")).isEqualTo(model.score(f, "small"));
        assertThat(LearnedUtilityModel.load(dir.resolve("absent.json")).labels("small")).isZero();
    }
}
