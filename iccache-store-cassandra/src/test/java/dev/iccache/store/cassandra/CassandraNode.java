package dev.iccache.store.cassandra;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The local Cassandra node the tests use, on 127.0.0.1:9042. If nothing answers there, the first test
 * class starts one with {@code cassandra/cassandra.sh start} (data under this module's
 * {@code target/cassandra}) and it is stopped when the test JVM's tests end; a node already running is
 * used and left running. With {@code ICCACHE_CASSANDRA_NODES=3} it is a three-node cluster on
 * 127.0.0.1-3 instead ({@code target/cassandra-3}), and the cluster tests run. Without a JDK 17 (which
 * Cassandra 5 needs) the tests are skipped with one line saying so.
 */
public final class CassandraNode implements BeforeAllCallback {
    /** The node's CQL address. */
    public static final String CONTACT_POINT = "127.0.0.1:9042";
    public static final String DATACENTER = "datacenter1";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CassandraNode.class);
    private static final int NO_JDK_17 = 3;
    /** Whether this test run started the node(s), so that a test may stop and restart them. */
    private static volatile boolean startedHere;

    /** How many nodes the tests run against: {@code ICCACHE_CASSANDRA_NODES}, 1 or 3 (default 1). */
    public static int nodes() {
        return "3".equals(System.getenv("ICCACHE_CASSANDRA_NODES")) ? 3 : 1;
    }

    /** Whether the node(s) the tests use were started by this test run (and may be stopped by a test). */
    public static boolean startedByTests() {
        return startedHere;
    }

    /** Stops the node(s) this test run started (an outage of the store); {@link #restart} ends it. */
    public static void stop() {
        if (!startedHere || Node.script("stop") != 0) {
            throw new IllegalStateException("cannot stop a Cassandra node this test run did not start");
        }
    }

    /** Starts the node(s) again after {@link #stop}, waiting until they answer. */
    public static void restart() {
        if (Node.script("start") != 0) {
            throw new IllegalStateException("cassandra/cassandra.sh start failed; see its output above");
        }
    }

    /** A session on the node for a test's own statements, with {@code keyspace} dropped first (tests start empty). */
    public static CqlSession adminWithout(String keyspace) {
        CqlSession admin = CqlSession.builder().addContactPoint(new InetSocketAddress("127.0.0.1", 9042))
                .withLocalDatacenter(DATACENTER).build();
        admin.execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + keyspace)
                .setTimeout(Duration.ofMinutes(2)));
        return admin;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Node node = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Node.class, k -> Node.start(), Node.class);
        assumeTrue(node.skipReason() == null, node.skipReason());
    }

    /** A node this test run found or started ({@code started}), or why the tests are skipped. */
    record Node(boolean started, String skipReason) implements ExtensionContext.Store.CloseableResource {
        static Node start() {
            if (answers(nodes())) {
                return new Node(false, null);
            }
            int exit = script("start");
            if (exit == NO_JDK_17) {
                String reason = "Cassandra store tests SKIPPED: no JDK 17 found (Cassandra 5 needs it; set "
                        + "CASSANDRA_JAVA_HOME)";
                System.out.println(reason);
                return new Node(false, reason);
            }
            if (exit != 0) {
                throw new IllegalStateException("cassandra/cassandra.sh start failed (exit " + exit + "); see its "
                        + "output above and target/cassandra/node1/system.log");
            }
            startedHere = true;
            return new Node(true, null);
        }

        @Override
        public void close() {
            if (started) {
                script("stop");
            }
        }

        /** Whether the last node answers CQL. */
        private static boolean answers(int nodes) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0." + nodes, 9042), 1000);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        private static int script(String command) {
            Path module = Path.of("").toAbsolutePath();
            Path script = module.getParent().resolve("cassandra/cassandra.sh");
            if (!Files.isRegularFile(script)) {
                throw new IllegalStateException("no " + script + ": run the tests from the checkout");
            }
            ProcessBuilder pb = new ProcessBuilder(List.of("bash", script.toString(), command, "--nodes",
                    String.valueOf(nodes()))).redirectErrorStream(true);
            pb.environment().put("ICCACHE_CASSANDRA_DIR",
                    module.resolve(nodes() == 1 ? "target/cassandra" : "target/cassandra-" + nodes()).toString());
            try {
                Process p = pb.start();
                // Through System.out, which surefire captures (the fork's own stdout is its channel).
                try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    out.lines().forEach(System.out::println);
                }
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("cassandra/cassandra.sh " + command + " did not finish in 10 min");
                }
                return p.exitValue();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
