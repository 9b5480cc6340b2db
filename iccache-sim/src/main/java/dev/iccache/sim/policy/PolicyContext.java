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
 * @param config    the gateway configuration (backends {@code small} and {@code large}, virtual model)
 * @param embedder  the real embedding model
 * @param bank      the example bank seeded from the workload's history (large-model answers), to copy
 * @param backends  the simulated backends as the gateway calls them (a tier the policy's cluster lacks
 *                  fails when called)
 * @param judge     the judge the gateway may call during the run (its verdicts cost judge-model capacity)
 * @param history   the judged-history budget, before the run (the same for every policy)
 * @param runtime   virtual clocks, the simulation's executors and the policies' seed
 * @param workDir   scratch directory for checkpoints
 * @param timeScale virtual seconds per second of the trace's clock (1 unless a trace is compressed):
 *                  per-minute and per-hour settings are rescaled by it
 */
public record PolicyContext(IccacheConfig config, Embedder embedder, List<Example> bank, List<BoundedBackend> backends,
        Judge judge, JudgedHistory history, Assembly.Runtime runtime, Path workDir, double timeScale) {
}
