package dev.iccache.cli;

import picocli.CommandLine.Command;

/** {@code iccache eval}: measurements on real data only (no simulation). */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Real-data evaluations: similarity, routing, hits.")
final class EvalCommand {
}
