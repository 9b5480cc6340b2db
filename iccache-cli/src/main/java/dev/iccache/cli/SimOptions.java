package dev.iccache.cli;

import dev.iccache.workload.DataDirectory;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every simulator command ({@code bench}, {@code demo}, {@code calibration-check}) shares. */
final class SimOptions {
    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR",
            description = "The shared data directory (default: ../shared/data next to the checkout).")
    Path data;

    DataDirectory dataDirectory() {
        return data == null ? DataDirectory.locate(Path.of("")) : DataDirectory.at(data);
    }
}
