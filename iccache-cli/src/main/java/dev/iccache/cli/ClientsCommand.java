package dev.iccache.cli;

import dev.iccache.models.ModelCache;
import dev.iccache.models.PythonClients;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code iccache clients}: installs the official OpenAI and Anthropic Python SDKs pinned in
 * {@code config/clients.txt} into the per-user cache, for the SDK compatibility tests (docs/api.md).
 */
@Command(name = "clients", mixinStandardHelpOptions = true,
        description = "Official Python SDK clients (OpenAI, Anthropic) for the SDK compatibility tests: install.",
        subcommands = {ClientsCommand.Install.class})
final class ClientsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Create the clients' Python environment and install the pinned SDKs, wheels only"
                + " (idempotent: a second run does nothing).")
    static final class Install implements Callable<Integer> {
        @Option(names = "--cache-dir", paramLabel = "DIR",
                description = "Where to install (default: $ICCACHE_CACHE_DIR, else ~/.cache/iccache).")
        Path cacheDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Path pins = PythonClients.locate(Path.of(""));
            ModelCache cache = ModelCache.locate(Optional.ofNullable(cacheDir), System::getenv)
                    .outside(pins.getParent().getParent());
            new PythonClients(pins, cache).install(Map.of(), out);
            return 0;
        }
    }
}
