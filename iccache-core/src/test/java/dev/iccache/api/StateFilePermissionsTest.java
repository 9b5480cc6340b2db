package dev.iccache.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints (router, utility model, threshold) are readable by their owner only. */
class StateFilePermissionsTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void posixOnly() throws IOException {
        assumeTrue(Files.getFileStore(tmp).supportsFileAttributeView("posix"), "not a POSIX file system");
    }

    @Test
    void aCheckpointAndTheDirectoriesCreatedForItAreTheOwnersOnly() throws IOException {
        Path file = tmp.resolve("data").resolve("state").resolve("router.json");
        Json.writeAtomically(file, Json.object().put("n", 1));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("data"))))
                .isEqualTo("rwx------");
    }

    @Test
    void rewritingACheckpointOthersCouldReadTakesTheirAccessAway() throws IOException {
        Path file = tmp.resolve("threshold.json");
        Files.writeString(file, "{}");
        Files.writeString(tmp.resolve("threshold.json.tmp"), "left by a crash");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(tmp.resolve("threshold.json.tmp"), PosixFilePermissions.fromString("rw-r--r--"));
        Json.writeAtomically(file, Json.object().put("n", 2));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).contains("2");
    }
}
