package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's fault test, on the packaged jar (run by failsafe after {@code package}): {@code iccache cluster-demo
 * --check} starts three Cassandra nodes (replication 3) and three gateway processes on loopback, has gateway 3
 * select an example admitted through gateway 1, kills gateway 2 and Cassandra node 3 with SIGKILL under a bounded
 * load, and exits 0 only when no acknowledged example was lost, the surviving gateways' clients got no error, and
 * the killed gateway's at most their requests in flight (docs/example-store.md). About two and a half minutes.
 */
class ClusterDemoIT {
    private static final Path JAR = Path.of("target", "iccache.jar");

    @Test
    void killingAGatewayAndACassandraNodeUnderLoadLosesNoAcknowledgedExample() throws IOException, InterruptedException {
        assertThat(JAR).as("the packaged jar (mvn package)").isRegularFile();
        Path work = Path.of("target", "cluster-demo-it").toAbsolutePath();
        Path output = Files.createDirectories(work.getParent()).resolve("cluster-demo-it.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process demo = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-jar", JAR.toString(), "cluster-demo", "--check", "--load-seconds", "15", "--dir", work.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean finished = demo.waitFor(12, TimeUnit.MINUTES);
        if (!finished) {
            demo.destroy(); // SIGTERM: its shutdown hook stops the nodes and gateways it started
            demo.waitFor(1, TimeUnit.MINUTES);
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);
        System.out.println(log);
        assumeFalse(log.contains("JDK 17 not found"), "cluster test SKIPPED: no JDK 17 for Cassandra 5");
        assertThat(finished).as("the demo finished within 12 minutes").isTrue();
        assertThat(log).contains("freshness: ", "lost: 0", "check: passed");
        assertThat(demo.exitValue()).as("cluster-demo --check's exit status; its output is above").isZero();
    }
}
