package dev.iccache.models;

import dev.iccache.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the iccache checkout, found from any directory inside it. */
final class CheckoutFiles {
    private CheckoutFiles() {
    }

    /**
     * {@code relative} in {@code workingDirectory} or the nearest directory above it that has it.
     *
     * @param otherwise what to do instead, for the error when no directory has it
     */
    static Path locate(Path workingDirectory, String relative, String otherwise) {
        Path start = workingDirectory.toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new ConfigException("no " + relative + " in " + start + " or above it: " + otherwise);
    }
}
