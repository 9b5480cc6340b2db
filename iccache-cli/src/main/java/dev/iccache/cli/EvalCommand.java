package dev.iccache.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code iccache eval}: measurements on real data only (no simulation); see docs/evaluation.md.
 * The work is done by {@code dev.iccache.eval} in iccache-sim; these commands parse options,
 * write the JSON and print a summary.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Real-data evaluations: similarity, routing, hits (see docs/evaluation.md).",
        subcommands = {EvalSimilarityCommand.class, EvalRoutingCommand.class, EvalHitsCommand.class,
            EvalUpliftCommand.class, EvalLatencyCommand.class})
final class EvalCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
