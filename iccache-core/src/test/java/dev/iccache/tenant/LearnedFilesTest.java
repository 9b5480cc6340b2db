package dev.iccache.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnedFilesTest {
    @TempDir
    Path dir;

    @Test
    void eachDomainHasItsDirectoryAndTheDefaultDomainReadsTheSingleFileLayoutUntilItHasItsOwn() throws Exception {
        LearnedFiles files = new LearnedFiles(dir);
        assertThat(files.file("default", LearnedFiles.ROUTER)).isEqualTo(dir.resolve("learned/default/router.json"));
        assertThat(files.toLoad("default", LearnedFiles.ROUTER)).isEqualTo(files.file("default", LearnedFiles.ROUTER));
        assertThat(files.existing()).isEmpty();

        Files.writeString(dir.resolve(LearnedFiles.ROUTER), "{}");
        assertThat(files.toLoad("default", LearnedFiles.ROUTER)).isEqualTo(dir.resolve(LearnedFiles.ROUTER));
        assertThat(files.toLoad("acme", LearnedFiles.ROUTER)).as("only the default domain inherits it")
                .isEqualTo(dir.resolve("learned/acme/router.json"));
        assertThat(files.existing()).containsExactly(dir.resolve(LearnedFiles.ROUTER));

        Files.createDirectories(files.directory("default"));
        Files.writeString(files.file("default", LearnedFiles.ROUTER), "{}");
        assertThat(files.toLoad("default", LearnedFiles.ROUTER)).isEqualTo(files.file("default", LearnedFiles.ROUTER));
        assertThat(files.existing()).containsExactly(dir.resolve(LearnedFiles.ROUTER), files.root());
    }

    @Test
    void anyNameIsOneSafeDirectoryOfItsOwn() {
        assertThat(LearnedFiles.encode("acme-eu_1")).isEqualTo("acme-eu_1");
        assertThat(LearnedFiles.encode("..")).isEqualTo("%2E%2E");
        assertThat(LearnedFiles.encode("Acme Corp/x")).isEqualTo("%41cme%20%43orp%2Fx");
        assertThat(LearnedFiles.encode("Acme")).isNotEqualTo(LearnedFiles.encode("acme"));
        assertThat(LearnedFiles.encode("é")).isEqualTo("%C3%A9");
    }
}
