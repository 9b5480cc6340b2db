package dev.iccache.models;

import dev.iccache.time.Ticker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One real model's llama.cpp server ({@code llama-server}, OpenAI-compatible) on a loopback port,
 * started from an {@link InstalledModels} install. {@link #start} returns once the server answers
 * {@code GET /v1/models}. A detached server outlives this JVM ({@code iccache models start}); an
 * attached one is a child that {@link #close} stops (tests).
 */
public final class ModelServer implements AutoCloseable {
    /** Loopback only: the servers have no authentication. */
    public static final String HOST = "127.0.0.1";
    private static final Duration POLL = Duration.ofMillis(200);
    /** The exit code of a process killed by SIGILL (128 + 4). */
    private static final int ILLEGAL_INSTRUCTION = 132;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final LocalModel model;
    private final ProcessHandle process;
    private final int port;
    private final Path log;

    private ModelServer(LocalModel model, ProcessHandle process, int port, Path log) {
        this.model = model;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * The server's command line: the installed binary, the model file, loopback, the port, the
     * context window, the threads, the model name as its id, then the model's and the file's extra
     * arguments.
     */
    static List<String> command(ModelsConfig config, InstalledModels installed, LocalModel model, int port) {
        List<String> cmd = new ArrayList<>(List.of(installed.server().toString(),
                "--model", installed.file(model.name()).toString(), "--alias", model.name(),
                "--host", HOST, "--port", Integer.toString(port), "--ctx-size", Integer.toString(model.contextWindow()),
                "--threads", Integer.toString(config.threads()), "--threads-batch", Integer.toString(config.threads())));
        cmd.addAll(config.serverArgs());
        cmd.addAll(model.serverArgs());
        return cmd;
    }

    /**
     * Starts the model's server on {@code port}, output to {@code log}, and waits until it answers
     * (at most {@code readyWithin}). Fails with one line when the port is taken, the process exits
     * or it does not answer in time (the attached process is then stopped).
     *
     * @param detached run in its own session, to outlive this JVM
     */
    public static ModelServer start(ModelsConfig config, InstalledModels installed, LocalModel model, int port,
            Path log, boolean detached, Duration readyWithin, Ticker ticker) {
        if (listening(port)) {
            throw new IllegalStateException("cannot start " + model.name() + ": port " + port + " on " + HOST
                    + " is already in use by another process (change port: in the models file)");
        }
        List<String> cmd = command(config, installed, model, port);
        if (detached && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add(0, "/usr/bin/setsid");
        }
        Process p;
        try {
            Files.createDirectories(log.getParent());
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            p.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd.get(0), e);
        }
        ModelServer server = new ModelServer(model, p.toHandle(), port, log);
        long deadline = ticker.nanoTime() + readyWithin.toNanos();
        while (!server.answers()) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the server of " + model.name() + " exited with code " + p.exitValue()
                        + (p.exitValue() == ILLEGAL_INSTRUCTION ? " (an illegal instruction: the server was built for"
                                + " instructions this CPU lacks or does not enable; docs/real-models.md)" : "")
                        + " while starting: " + lastLine(log) + " (log: " + log + ")");
            }
            if (ticker.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("the server of " + model.name() + " did not answer on port " + port
                        + " within " + readyWithin.toSeconds() + " s (log: " + log + ")");
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.close();
                throw new IllegalStateException("interrupted while starting " + model.name());
            }
        }
        return server;
    }

    /** A server a previous command started, if its process still runs with this model and port. */
    public static Optional<ModelServer> attach(LocalModel model, long pid, int port, Path log) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().commandLine().map(c -> c.contains("--alias " + model.name())
                        && c.contains("--port " + port)).orElse(false))
                .map(h -> new ModelServer(model, h, port, log));
    }

    /** Whether something accepts connections on the loopback port. */
    public static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the server answers {@code GET /v1/models} with 200. */
    public boolean answers() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/models"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The OpenAI-compatible base URL, up to {@code /v1}. */
    public String baseUrl() {
        return "http://" + HOST + ":" + port + "/v1";
    }

    public LocalModel model() {
        return model;
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Kills the process at once (SIGKILL), as a crash would. */
    public void kill() {
        process.destroyForcibly();
        await(Duration.ofSeconds(10));
    }

    /** Stops the server: SIGTERM, then SIGKILL if it has not exited within 10 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!await(Duration.ofSeconds(10))) {
            kill();
        }
    }

    private boolean await(Duration d) {
        try {
            process.onExit().get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).strip();
                }
            }
            return "no output";
        } catch (IOException e) {
            return "no log";
        }
    }
}
