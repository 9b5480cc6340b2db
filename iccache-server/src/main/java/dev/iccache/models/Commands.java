package dev.iccache.models;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs external commands (python, pip) with their output appended to a log file. */
final class Commands {
    /** Lines of output kept in memory to explain a failure. */
    private static final int TAIL = 400;

    private Commands() {
    }

    /** What a finished command did: its exit code and its last output lines. */
    record Result(int exitCode, List<String> tail) {
        boolean ok() {
            return exitCode == 0;
        }

        String output() {
            return String.join("\n", tail);
        }
    }

    /**
     * Runs {@code command} with {@code env} added to this process's environment, output (both
     * streams) appended to {@code log}; a command still running after {@code timeoutMinutes} is
     * killed and reported as exit code -1.
     */
    static Result run(List<String> command, Map<String, String> env, Path log, long timeoutMinutes) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Deque<String> tail = new ArrayDeque<>();
        try {
            Files.createDirectories(log.getParent());
            try (Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                out.write("$ " + String.join(" ", command) + "\n");
                Process p;
                try {
                    p = pb.start();
                } catch (IOException e) {
                    out.write(e.getMessage() + "\n");
                    return new Result(127, List.of("cannot run " + command.get(0) + ": " + e.getMessage()));
                }
                p.getOutputStream().close();
                Thread reader = Thread.ofVirtual().start(() -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            synchronized (tail) {
                                out.write(line + "\n");
                                out.flush();
                                tail.addLast(line);
                                if (tail.size() > TAIL) {
                                    tail.removeFirst();
                                }
                            }
                        }
                    } catch (IOException ignored) {
                        // the process ended or was killed; what was read is logged
                    }
                });
                boolean finished = p.waitFor(timeoutMinutes, TimeUnit.MINUTES);
                if (!finished) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
                reader.join(TimeUnit.SECONDS.toMillis(10));
                synchronized (tail) {
                    out.flush();
                    if (!finished) {
                        tail.addLast("(killed after " + timeoutMinutes + " minutes)");
                    }
                    return new Result(finished ? p.exitValue() : -1, List.copyOf(tail));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the log " + log, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0));
        }
    }
}
