package dev.iccache.sim.policy;

import dev.iccache.backend.BoundedBackend;
import dev.iccache.bank.Example;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.gateway.Assembly;
import dev.iccache.route.Judge;
import java.nio.file.Path;
import java.util.List;

/**
 * What every policy starts from, identical across policies of a run.
 *
 * @param config   the gateway configuration (backends {@code small} and {@code large}, virtual model)
 * @param embedder the real embedding model
 * @param bank     the example bank seeded from the workload's history (large-model answers), to copy
 * @param backends the simulated backends as the gateway calls them
 * @param judge    the judge the gateway may call (its verdicts cost judge-model capacity)
 * @param tuningJudge the same judge for tuning before the run starts (offline: costs no capacity)
 * @param history  history requests labelled by the judge (small answer against large answer), for trained baselines
 * @param runtime  virtual clocks, the simulation's executors and the run's seed
 * @param workDir  scratch directory for checkpoints
 */
public record PolicyContext(IccacheConfig config, Embedder embedder, List<Example> bank, List<BoundedBackend> backends,
        Judge judge, Judge tuningJudge, List<Labelled> history, Assembly.Runtime runtime, Path workDir) {

    /**
     * A history request with the judge's 7-point verdict of the small model's answer against the
     * large model's (positive: small better; |s| ≤ 0.3 a tie).
     */
    public record Labelled(float[] vector, double smallVsLarge) {
        public boolean smallGoodEnough() {
            return Judge.atLeastAsGood(smallVsLarge);
        }
    }
}
