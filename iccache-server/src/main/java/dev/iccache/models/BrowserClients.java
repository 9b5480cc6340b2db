package dev.iccache.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the dashboard's browser tests drive: Debian's {@code chromium} (installed with apt when
 * missing and this process runs as root; else one line says how) and a pinned
 * {@code playwright-core} from npm in the {@link ModelCache} ({@code browser/node_modules}), which
 * never downloads a browser of its own: the tests launch the system Chromium. Installed by
 * {@code iccache clients install}; idempotent.
 */
public final class BrowserClients {
    /** The pinned playwright-core (it has no dependencies, so the version pins everything). */
    public static final String PLAYWRIGHT_CORE_VERSION = "1.65.1";
    /** Where Debian's package puts the browser. */
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final String NODE = "node";

    private final ModelCache cache;
    private final Path chromium;

    public BrowserClients(ModelCache cache) {
        this(cache, CHROMIUM);
    }

    BrowserClients(ModelCache cache, Path chromium) {
        this.cache = cache;
        this.chromium = chromium;
    }

    /** What the tests need, all present. */
    public record Installed(Path node, Path playwrightCore, Path chromium) {
    }

    /** The npm prefix playwright-core is installed under. */
    public Path prefix() {
        return cache.root().resolve("browser");
    }

    private Path playwrightCore() {
        return prefix().resolve("node_modules").resolve("playwright-core");
    }

    /** Chromium, node and the pinned playwright-core, when all are there; else what is missing. */
    public Optional<Installed> installed() {
        return missing().isEmpty() ? Optional.of(new Installed(Path.of(NODE), playwrightCore(), chromium))
                : Optional.empty();
    }

    /** What is missing, one phrase each (empty when everything is installed). */
    public List<String> missing() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(chromium)) {
            missing.add("chromium (" + chromium + ")");
        }
        if (!onPath(NODE)) {
            missing.add("node");
        }
        if (!playwrightVersion().equals(Optional.of(PLAYWRIGHT_CORE_VERSION))) {
            missing.add("playwright-core " + PLAYWRIGHT_CORE_VERSION + " (in " + prefix() + ")");
        }
        return missing;
    }

    /**
     * Installs what is missing: chromium with apt when running as root (else prints how), and
     * playwright-core with npm (when npm is there, else prints how). True when it changed something;
     * fails only when an install it started fails.
     */
    public boolean install(PrintWriter out) {
        boolean changed = false;
        Path log = cache.logs().resolve("browser-install.log");
        if (Files.isExecutable(chromium)) {
            out.println("chromium: " + chromium + " (nothing to do)");
        } else if (root() && onPath("apt-get")) {
            out.println("chromium: installing Debian's package with apt-get (log: " + log + ")");
            out.flush();
            List<String> apt = List.of("apt-get", "install", "-y", "--no-install-recommends", "chromium");
            Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
            Commands.Result r = Commands.run(apt, env, log, 20);
            if (!r.ok()) {
                // A fresh system has no package lists yet.
                Commands.run(List.of("apt-get", "update"), env, log, 10);
                r = Commands.run(apt, env, log, 20);
            }
            if (!r.ok()) {
                throw new IllegalStateException("apt-get install chromium failed (" + ModelInstaller.lastLine(r)
                        + "); log: " + log);
            }
            changed = true;
        } else {
            out.println("chromium: missing; install it with 'sudo apt-get install chromium' (the dashboard's browser"
                    + " tests are skipped without it)");
        }
        if (playwrightVersion().equals(Optional.of(PLAYWRIGHT_CORE_VERSION))) {
            out.println("playwright-core " + PLAYWRIGHT_CORE_VERSION + ": " + playwrightCore() + " (nothing to do)");
        } else if (onPath("npm")) {
            out.println("playwright-core " + PLAYWRIGHT_CORE_VERSION + ": installing with npm into " + prefix()
                    + " (log: " + log + ")");
            out.flush();
            Commands.Result r = Commands.run(List.of("npm", "install", "--prefix", prefix().toString(),
                    "--no-audit", "--no-fund", "--ignore-scripts", "--no-save",
                    "playwright-core@" + PLAYWRIGHT_CORE_VERSION),
                    Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"), log, 10);
            if (!r.ok() || playwrightVersion().isEmpty()) {
                throw new IllegalStateException("npm install playwright-core failed (" + ModelInstaller.lastLine(r)
                        + "); log: " + log);
            }
            changed = true;
        } else {
            out.println("playwright-core: npm is missing; install Node.js 18+ with npm (e.g. 'sudo apt-get install "
                    + "nodejs npm') and run this again (the dashboard's browser tests are skipped without it)");
        }
        out.flush();
        return changed;
    }

    /** The version of the playwright-core installed under the prefix, if any. */
    private Optional<String> playwrightVersion() {
        try {
            Path pkg = playwrightCore().resolve("package.json");
            if (!Files.isRegularFile(pkg)) {
                return Optional.empty();
            }
            JsonNode json = Json.MAPPER.readTree(Files.readString(pkg));
            return Optional.of(json.path("version").asText());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
