package dev.iccache.tenant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where each domain's learned state is saved: {@code data-dir/learned/<domain>/<file>}. The
 * default domain also reads the single-file layout of earlier versions ({@code data-dir/<file>})
 * for each file it does not have yet, so a deployment keeps what it learned; those files are never
 * written again. A domain's directory is its name with every character other than {@code a-z},
 * {@code 0-9}, {@code -} and {@code _} written as {@code %XX} (its UTF-8 bytes), so any name is a
 * safe directory name and two names never share one.
 *
 * @param dataDir the data directory ({@code data-dir})
 */
public record LearnedFiles(Path dataDir) {
    /** The utility model's checkpoint. */
    public static final String UTILITY_MODEL = "utility-model.json";
    /** The threshold tuner's checkpoint. */
    public static final String THRESHOLD = "threshold.json";
    /** The router's bandit. */
    public static final String ROUTER = "router.json";
    /** The history requests {@code iccache train} has used. */
    public static final String TRAINING = "train-state.json";
    private static final List<String> FILES = List.of(UTILITY_MODEL, THRESHOLD, ROUTER, TRAINING);

    /** The directory holding every domain's state. */
    public Path root() {
        return dataDir.resolve("learned");
    }

    /** A domain's directory. */
    public Path directory(String domain) {
        return root().resolve(encode(domain));
    }

    /** Where a domain's file is saved. */
    public Path file(String domain, String name) {
        return directory(domain).resolve(name);
    }

    /**
     * Where a domain's file is read from: its own; for the default domain without one of its own,
     * the single-file layout's file in the data directory.
     */
    public Path toLoad(String domain, String name) {
        Path own = file(domain, name);
        Path legacy = dataDir.resolve(name);
        return domain.equals(Tenant.DEFAULT.domain()) && !Files.exists(own) && Files.exists(legacy) ? legacy : own;
    }

    /** What holds learned state now: the single-file layout's files, and the learned directory if it has any. */
    public List<Path> existing() {
        List<Path> found = new ArrayList<>();
        FILES.stream().map(dataDir::resolve).filter(Files::exists).forEach(found::add);
        if (Files.isDirectory(root())) {
            try (Stream<Path> domains = Files.list(root())) {
                if (domains.findAny().isPresent()) {
                    found.add(root());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + root() + ": " + e.getMessage(), e);
            }
        }
        return found;
    }

    static String encode(String domain) {
        StringBuilder out = new StringBuilder();
        for (byte b : domain.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
