package dev.iccache.cli;

import dev.iccache.sim.world.Calibration;
import dev.iccache.workload.DataDirectory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import picocli.CommandLine.Option;

/** Options every simulator command ({@code bench}, {@code demo}, {@code calibration-check}) shares. */
final class SimOptions {
    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR",
            description = "The shared data directory (default: ../shared/data next to the checkout).")
    Path data;

    @Option(names = "--pair", paramLabel = "NAME", description = "The model pair the world simulates: gemma2 "
            + "(default), qwen-r1, gemini-flash-pro (bundled calibrations; docs/evaluation.md).")
    String pair;

    /** {@code count} consecutive seeds from {@code --seed}. */
    List<Long> seeds(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + count);
        }
        return LongStream.range(seed, seed + count).boxed().toList();
    }

    DataDirectory dataDirectory() {
        return data == null ? DataDirectory.locate(Path.of("")) : DataDirectory.at(data);
    }

    /** The calibration of {@code --pair}, or of a file. */
    Calibration calibration(Path file) {
        return Calibration.load(Optional.ofNullable(pair), Optional.ofNullable(file));
    }
}
