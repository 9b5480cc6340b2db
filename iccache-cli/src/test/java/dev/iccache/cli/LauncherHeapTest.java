package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./iccache} launcher caps the Java heap: 2g unless {@code ICCACHE_HEAP} says otherwise,
 * and an {@code -Xmx} in {@code ICCACHE_JAVA_OPTS} comes later, so it wins. Runs a copy of the
 * script against a stand-in JDK whose {@code java} records its arguments.
 */
class LauncherHeapTest {
    @TempDir
    Path tmp;
    private Path root;
    private Path jdk;

    @BeforeEach
    void copyTheLauncher() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs sh");
        Path checkout = Path.of("..").toAbsolutePath().normalize();
        root = tmp.resolve("checkout");
        Files.createDirectories(root.resolve(".mvn"));
        Files.copy(checkout.resolve("iccache"), root.resolve("iccache"));
        Files.copy(checkout.resolve(".mvn/find-jdk.sh"), root.resolve(".mvn/find-jdk.sh"));
        Files.createDirectories(root.resolve("iccache-cli/target"));
        Files.writeString(root.resolve("iccache-cli/target/iccache.jar"), "stands in for the built jar");
        jdk = tmp.resolve("jdk");
        Files.createDirectories(jdk.resolve("bin"));
        script(jdk.resolve("bin/javac"), "#!/bin/sh\nexit 0\n");
        script(jdk.resolve("bin/java"), """
                #!/bin/sh
                case "$*" in *-XshowSettings*) echo '    java.specification.version = 21' >&2; exit 0 ;; esac
                for a in "$@"; do echo "$a"; done > "$(dirname "$0")/../args"
                """);
    }

    private static void script(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }

    /** The JVM arguments the launcher used for {@code iccache demo} with this environment. */
    private List<String> launch(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", root.resolve("iccache").toString(), "demo").redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().remove("ICCACHE_HEAP");
        pb.environment().remove("ICCACHE_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        List<String> args = Files.readAllLines(jdk.resolve("args"));
        assertThat(args).endsWith("-jar", root.resolve("iccache-cli/target/iccache.jar").toString(), "demo");
        return args.subList(0, args.indexOf("-jar"));
    }

    @Test
    void theHeapIsCappedAt2gByDefault() throws Exception {
        assertThat(launch(Map.of()).stream().filter(a -> a.startsWith("-Xmx"))).containsExactly("-Xmx2g");
    }

    @Test
    void iccacheHeapSetsTheCap() throws Exception {
        assertThat(launch(Map.of("ICCACHE_HEAP", "512m")).stream().filter(a -> a.startsWith("-Xmx")))
                .containsExactly("-Xmx512m");
    }

    @Test
    void anXmxInIccacheJavaOptsComesLastAndWins() throws Exception {
        List<String> args = launch(Map.of("ICCACHE_JAVA_OPTS", "-Xmx3g -Xlog:gc"));
        assertThat(args.stream().filter(a -> a.startsWith("-Xmx"))).containsExactly("-Xmx2g", "-Xmx3g");
        assertThat(args).contains("-Xlog:gc");
    }
}
