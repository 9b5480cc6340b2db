package dev.iccache.cli;

import dev.iccache.models.BrowserClients;
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
 * {@code config/clients.txt} into the per-user cache, for the SDK compatibility tests (docs/api.md),
 * and Chromium with a pinned playwright-core for the dashboard's browser tests (docs/dashboard.md).
 */
@Command(name = "clients", mixinStandardHelpOptions = true,
        description = "Official Python SDK clients (OpenAI, Anthropic) for the SDK compatibility tests and Chromium"
            + " with playwright-core for the dashboard's browser tests: install.",
        subcommands = {ClientsCommand.Install.class})
final class ClientsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Create the clients' Python environment and install the pinned SDKs, wheels only;"
                + " install chromium (apt, as root) and the pinned playwright-core (npm)"
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
            new BrowserClients(cache).install(out);
            return 0;
        }
    }
}
