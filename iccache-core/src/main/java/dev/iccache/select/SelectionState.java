package dev.iccache.select;

import dev.iccache.tenant.LearnedFiles;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * What selection learns for one domain (docs/selection.md, "Learned state per domain"): its
 * utility model and its threshold tuner (τ).
 */
public record SelectionState(UtilityModel utility, ThresholdTuner tuner) {
    /**
     * A domain's state from its checkpoints in {@code files}, or the prior when it has none: the
     * model {@code utilityModels} makes from the (absent) file, and τ at {@code initialThreshold}.
     *
     * @param utilityModels a utility model from the checkpoint it is loaded from
     * @param thresholds    the tuners' Thompson draws (shared by the domains' tuners)
     */
    public static SelectionState load(LearnedFiles files, String domain, Function<Path, UtilityModel> utilityModels,
            double initialThreshold, RandomGenerator thresholds) {
        ThresholdTuner tuner = new ThresholdTuner(initialThreshold, thresholds);
        tuner.load(files.toLoad(domain, LearnedFiles.THRESHOLD));
        return new SelectionState(utilityModels.apply(files.toLoad(domain, LearnedFiles.UTILITY_MODEL)), tuner);
    }

    /** Saves the domain's utility model and tuner in {@code files}. */
    public void save(LearnedFiles files, String domain) {
        utility.save(files.file(domain, LearnedFiles.UTILITY_MODEL));
        tuner.save(files.file(domain, LearnedFiles.THRESHOLD));
    }
}
