package dev.iccache.store.lucene;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.OwnerOnlyFiles;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Properties;
import java.util.Set;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.Version;

/**
 * The marker file that makes a directory an iccache example store and records its format, so a
 * future format change is detected instead of misread, and a foreign directory is never used.
 */
final class StoreFormat {
    static final String MARKER = "iccache-store.properties";
    /** Version 1: the document layout of {@link ExampleDocuments}. */
    static final int VERSION = 1;
    private static final String TEMPORARY_MARKER = MARKER + ".tmp";

    private StoreFormat() {
    }

    /**
     * Checks that {@code dir} is a store of this format, or makes it one if it is new or empty.
     * Returns true when the index has to be created, false when it exists.
     */
    static boolean prepare(Path dir) throws IOException {
        OwnerOnlyFiles.createDirectories(dir);
        String[] files;
        try (var listing = Files.list(dir)) {
            files = listing.map(p -> p.getFileName().toString()).toArray(String[]::new);
        }
        Path marker = dir.resolve(MARKER);
        if (!Files.exists(marker)) {
            if (!Arrays.stream(files).allMatch(TEMPORARY_MARKER::equals)) {
                throw new IccacheException(ErrorKind.INTERNAL, "directory " + dir + " is not empty and is not an"
                        + " iccache example store (it has no " + MARKER + "); iccache will not use it. Point the store"
                        + " at a new or empty directory.", null, "store_unusable", null);
            }
            writeMarker(dir);
            return true;
        }
        checkVersion(dir, marker);
        if (SegmentInfos.getLastCommitGeneration(files) >= 0) {
            return false;
        }
        Set<String> creationLeftovers = Set.of(MARKER, IndexWriter.WRITE_LOCK_NAME);
        if (Arrays.stream(files).allMatch(creationLeftovers::contains)) {
            return true; // created, but the first commit never happened: nothing was ever stored
        }
        throw new IccacheException(ErrorKind.INTERNAL, "example store at " + dir + " is half-written: it has index"
                + " files but no commit point (segments_N). iccache left it as it is; restore a backup or move it"
                + " aside to start empty.", null, "store_corrupt", null);
    }

    /**
     * Takes away what others may do with a store: the directory becomes 0700 and each file in it
     * 0600 (stores written before iccache restricted them were readable by everyone).
     */
    static void restrict(Path dir) throws IOException {
        OwnerOnlyFiles.restrict(dir);
        try (var listing = Files.list(dir)) {
            for (Path p : listing.toList()) {
                try {
                    OwnerOnlyFiles.restrict(p);
                } catch (NoSuchFileException deletedMeanwhile) {
                    // nothing left to restrict
                }
            }
        }
    }

    private static void checkVersion(Path dir, Path marker) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(marker, StandardCharsets.ISO_8859_1)) {
            p.load(r);
        }
        String format = p.getProperty("format", "");
        if (!format.equals(Integer.toString(VERSION))) {
            throw new IccacheException(ErrorKind.INTERNAL, "example store at " + dir + " has format '" + format
                    + "' (" + MARKER + "); this iccache reads format " + VERSION + ". Use the iccache version that"
                    + " wrote it, or export and re-import the examples.", null, "store_format", null);
        }
    }

    private static void writeMarker(Path dir) throws IOException {
        Path tmp = dir.resolve(TEMPORARY_MARKER);
        OwnerOnlyFiles.write(tmp, ("# iccache example store; iccache refuses directories without this file.\n"
                + "format=" + VERSION + "\nlucene=" + Version.LATEST + "\n").getBytes(StandardCharsets.ISO_8859_1));
        IOUtils.fsync(tmp, false);
        Files.move(tmp, dir.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE);
        IOUtils.fsync(dir, true);
    }
}
