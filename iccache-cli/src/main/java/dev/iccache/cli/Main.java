package dev.iccache.cli;

import dev.iccache.api.IccacheException;
import dev.iccache.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.logging.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code iccache} command line. */
@Command(name = "iccache", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "In-context caching gateway for LLM serving.",
        subcommands = {ServeCommand.class, SimBackendCommand.class, GatewayDemoCommand.class, ClusterDemoCommand.class, DemoCommand.class, BenchCommand.class, CalibrationCheckCommand.class, ImportCommand.class,
            ExportCommand.class, ReplayCommand.class, TrainCommand.class, SelectionCurveCommand.class, EvalCommand.class,
            ModelsCommand.class, ClientsCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        configureLogging();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also for tests. */
    static CommandLine commandLine() {
        return new CommandLine(new Main()).setExecutionExceptionHandler(Main::report);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Configuration and input mistakes (and the store's clear failures) print one clear line, not a stack trace. */
    private static int report(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof ConfigException || e instanceof IccacheException || e instanceof IllegalStateException
                || e instanceof IllegalArgumentException) {
            cmd.getErr().println("iccache " + cmd.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        throw e;
    }

    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (InputStream in = Main.class.getResourceAsStream("/logging.properties")) {
            if (in != null) {
                LogManager.getLogManager().readConfiguration(in);
            }
        } catch (IOException e) {
            System.err.println("iccache: could not configure logging: " + e.getMessage());
        }
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/iccache-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"iccache " + p.getProperty("version", "unknown")};
        }
    }
}
