package dev.iccache.models;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The official OpenAI and Anthropic Python SDKs that the SDK compatibility tests drive against the
 * gateway: exact pins in {@code config/clients.txt} (every dependency too), installed by
 * {@code iccache clients install} into their own Python environment in the {@link ModelCache}
 * ({@code clients/venv}), wheels only and without dependency resolution. Idempotent: a complete
 * install of the same pins is left as it is. A failure stops with one line; the output is in the
 * install log.
 */
public final class PythonClients {
    /** The pins, relative to the checkout. */
    public static final String DEFAULT_FILE = "config/clients.txt";
    /** The command that installs them, for messages. */
    public static final String INSTALL_COMMAND = "./iccache clients install";
    private static final String PYTHON = "python3";
    private static final String CHECK = "import openai, anthropic; print('openai', openai.__version__, 'anthropic',"
            + " anthropic.__version__)";

    private final Path requirements;
    private final ModelCache cache;

    public PythonClients(Path requirements, ModelCache cache) {
        this.requirements = requirements.toAbsolutePath().normalize();
        this.cache = cache;
    }

    /** {@code config/clients.txt} in {@code workingDirectory} or the nearest directory above it. */
    public static Path locate(Path workingDirectory) {
        return CheckoutFiles.locate(workingDirectory, DEFAULT_FILE, "run inside the iccache checkout");
    }

    /** The clients' Python environment. */
    public Path venv() {
        return cache.root().resolve("clients").resolve("venv");
    }

    /** The environment's Python. */
    public Path python() {
        return venv().resolve("bin").resolve("python");
    }

    /** Written last, with the pins' fingerprint, so it exists only after a complete install. */
    private Path installedFile() {
        return cache.root().resolve("clients").resolve("installed.txt");
    }

    /** The environment's Python when a complete install of these pins is there. */
    public Optional<Path> installed() {
        try {
            return Files.isRegularFile(installedFile()) && Files.isExecutable(python())
                    && Files.readString(installedFile(), StandardCharsets.UTF_8).strip().equals(fingerprint())
                    ? Optional.of(python()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Installs the pins unless they are installed; true when it changed something.
     *
     * @param env added to the environment of python and pip (e.g. PIP_INDEX_URL)
     */
    public boolean install(Map<String, String> env, PrintWriter out) {
        if (installed().isPresent()) {
            out.println("already installed in " + venv() + " (nothing to do)");
            out.flush();
            return false;
        }
        Path log = cache.logs().resolve("clients-install.log");
        out.println("installing the Python SDK clients of " + requirements + " into " + venv() + " (log: " + log + ")");
        out.flush();
        if (!Files.isExecutable(python())) {
            ModelInstaller.createVenv(PYTHON, venv(), env, log);
        }
        List<String> pins = pins();
        List<String> pip = new ArrayList<>(List.of(python().toString(), "-m", "pip", "install", "--no-deps",
                "--only-binary=:all:"));
        pip.addAll(ModelInstaller.PIP_FLAGS);
        pip.addAll(pins);
        Commands.Result r = Commands.run(pip, env, log, 15);
        if (!r.ok()) {
            throw new IllegalStateException(ModelInstaller.pipFailure("the Python SDK clients", r.output(), pins)
                    + "; log: " + log);
        }
        Commands.Result check = Commands.run(List.of(python().toString(), "-m", "pip", "check"), env, log, 2);
        if (!check.ok()) {
            throw new IllegalStateException("the pins of " + requirements + " are incomplete for this Python ("
                    + ModelInstaller.lastLine(check) + "); log: " + log);
        }
        Commands.Result versions = Commands.run(List.of(python().toString(), "-c", CHECK), env, log, 2);
        if (!versions.ok()) {
            throw new IllegalStateException("the SDK clients were installed but do not import ("
                    + ModelInstaller.lastLine(versions) + "); log: " + log);
        }
        try {
            Files.writeString(installedFile(), fingerprint() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + installedFile(), e);
        }
        out.println("installed " + ModelInstaller.lastLine(versions) + " (python: " + python() + ")");
        out.flush();
        return true;
    }

    /** The requirement lines of the file, without comments and blank lines. */
    private List<String> pins() {
        try {
            return Files.readAllLines(requirements, StandardCharsets.UTF_8).stream()
                    .map(l -> l.replaceFirst("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + requirements, e);
        }
    }

    /** The digest of the pins and the Python that installs them. */
    private String fingerprint() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((PYTHON + "\n" + String.join("\n", pins())).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
