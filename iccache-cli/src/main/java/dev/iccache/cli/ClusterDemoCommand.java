package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code iccache cluster-demo}: three local Cassandra nodes and three gateway processes on one keyspace;
 * admits through gateway 1 and finds the example through gateway 3, then kills gateway 2 and Cassandra
 * node 3 (SIGKILL) under a bounded load and counts the acknowledged examples lost (docs/example-store.md).
 */
@Command(name = "cluster-demo", mixinStandardHelpOptions = true,
        description = "Start three Cassandra nodes and three gateways on 127.0.0.1, kill one of each under load, "
                + "print how many acknowledged examples were lost; stops everything it started.")
final class ClusterDemoCommand implements Callable<Integer> {
    @Option(names = "--load-seconds", defaultValue = "20",
            description = "Length of the load (default ${DEFAULT-VALUE}).")
    int loadSeconds;

    @Option(names = "--clients", defaultValue = "3",
            description = "Client threads of the load (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--time-scale", defaultValue = "20",
            description = "Simulated backends run this many times faster than calibrated (default ${DEFAULT-VALUE}).")
    double timeScale;

    @Option(names = "--check", description = "Exit with status 1 unless: gateway 3 selected gateway 1's example, no "
            + "acknowledged example was lost, no surviving gateway's client got an error, and the killed gateway's "
            + "clients got at most one error each (their requests in flight). The cluster test runs the demo so.")
    boolean check;

    @Option(names = "--dir", description = "Working folder: Cassandra data, gateway configs and logs "
            + "(default: .cluster-demo in the checkout; emptied at start).")
    Path dir;

    private static final int GATEWAYS = 3;
    /** Each client sends at most one request per this interval: the load's bound. */
    private static final Duration CLIENT_INTERVAL = Duration.ofMillis(250);
    private static final String[] TOPICS = {"photosynthesis", "hash tables", "the colour of the sky", "vaccines",
        "inflation", "the water cycle", "recursion", "tides", "plate tectonics", "compound interest",
        "black holes", "the immune system", "TCP congestion control", "bread baking", "the French revolution",
        "volcanoes", "public key cryptography", "bird migration", "the stock market", "glaciers"};
    private static final String[] ASPECTS = {"explain briefly", "what is the main idea behind", "give an example of",
        "what is a common misconception about", "how would you teach a child about", "what is the history of",
        "why does it matter to understand", "what are the limits of"};

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String adminKey = "cluster-demo-" + Long.toHexString(new SecureRandom().nextLong());
    private final List<Process> gateways = new ArrayList<>();
    private final List<String> bases = new ArrayList<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private Path root;
    private Path cassandraDir;

    @Override
    public Integer call() throws Exception {
        Path jar = Path.of(ClusterDemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!jar.toString().endsWith(".jar")) {
            System.err.println("cluster-demo: run it from the packaged jar (./iccache cluster-demo); found " + jar);
            return 1;
        }
        root = jar.toAbsolutePath().getParent().getParent().getParent();
        Path script = root.resolve("cassandra/cassandra.sh");
        if (!Files.isRegularFile(script)) {
            System.err.println("cluster-demo: " + script + " not found: run it from a checkout (./iccache cluster-demo)");
            return 1;
        }
        for (int i = 1; i <= 3; i++) {
            if (listening("127.0.0." + i, 9042)) {
                System.err.printf("cluster-demo: something already listens on 127.0.0.%d:9042 (Cassandra nodes started "
                        + "by someone else?); cluster-demo starts its own three nodes there and touches no others: "
                        + "stop them first (./iccache cassandra stop, if they are this checkout's)%n", i);
                return 1;
            }
        }
        Path work = dir == null ? root.resolve(".cluster-demo") : dir.toAbsolutePath();
        cassandraDir = work.resolve("cassandra");
        emptyExceptClasspath(work);
        Thread hook = new Thread(this::stopAll, "cluster-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return run(jar, script, work);
        } catch (Exception e) {
            if (stopped.get()) {
                // Ctrl-C: the hook stopped the gateways under the demo's feet; that failure is no news.
                System.err.println("cluster-demo: interrupted; stopping everything it started");
                return 130;
            }
            throw e;
        } finally {
            stopAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running (or ran) already.
            }
        }
    }

    private int run(Path jar, Path script, Path work) throws Exception {
        long t0 = System.nanoTime();
        System.out.println("cluster-demo: three Cassandra nodes (127.0.0.1-3, replication 3, writes at QUORUM) and three "
                + "gateways with SIMULATED backends, all on loopback; working folder " + work);
        ProcessBuilder start = new ProcessBuilder("bash", script.toString(), "start", "--nodes", "3").inheritIO();
        start.environment().put("ICCACHE_CASSANDRA_DIR", cassandraDir.toString());
        Process cassandra = start.start();
        if (!cassandra.waitFor(8, TimeUnit.MINUTES)) {
            cassandra.destroy();
        }
        if (cassandra.isAlive() || cassandra.exitValue() != 0) {
            System.err.println("cluster-demo: the Cassandra nodes did not start (see " + cassandraDir + "/node*/system.log)");
            return 1;
        }
        System.out.printf("cassandra: three nodes up after %.0f s%n", (System.nanoTime() - t0) / 1e9);

        String keyspace = "cluster_demo_" + Long.toString(System.currentTimeMillis(), 36);
        String javaCommand = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Gateway 1 creates the keyspace, its tables and indexes alone; the others then find them.
        startGateway(javaCommand, jar, work, 1, keyspace);
        awaitReady(0);
        startGateway(javaCommand, jar, work, 2, keyspace);
        startGateway(javaCommand, jar, work, 3, keyspace);
        awaitReady(1);
        awaitReady(2);
        for (int g = 0; g < GATEWAYS; g++) {
            System.out.printf("gateway %d: %s (pid %d, log %s)%n", g + 1, bases.get(g), gateways.get(g).pid(),
                    work.resolve("gateway" + (g + 1)).resolve("gateway.log"));
        }
        System.out.println("keyspace: " + keyspace);

        // Freshness: an answer of the large model through gateway 1 until gateway 3's search finds its example.
        String first = "What is in-context caching, and why does it make a small model answer like a large one?";
        List<List<String>> answered = new ArrayList<>();
        for (int g = 0; g < GATEWAYS; g++) {
            answered.add(Collections.synchronizedList(new ArrayList<>()));
        }
        if (chat(bases.get(0), first) != 200) {
            System.err.println("cluster-demo: gateway 1 did not answer the first request");
            return 1;
        }
        answered.get(0).add(first);
        long answeredAt = System.nanoTime();
        long deadline = answeredAt + TimeUnit.SECONDS.toNanos(30);
        while (search(bases.get(2), first) != Search.FOUND) {
            if (System.nanoTime() > deadline) {
                System.err.println("cluster-demo: gateway 3 did not find gateway 1's example within 30 s");
                return 1;
            }
            Thread.sleep(10);
        }
        System.out.printf("freshness: %d ms (from gateway 1's answer until gateway 3's admin search finds its example)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answeredAt));
        // The bank holds that one example: a like question for the small model through gateway 3 is given it.
        int selected = examplesSelected(bases.get(2),
                "What is in-context caching, and why does it let a small model answer like a large one?");
        System.out.printf("selected: gateway 3 put %d example(s) into sim-small's prompt for a like question "
                + "(x-iccache-examples; the bank holds only gateway 1's example)%n", selected);

        // The bounded load, with gateway 2 and Cassandra node 3 killed on the way.
        System.out.printf("%nload: %d clients, at most %d requests/s each, for %d s across the live gateways "
                + "(model sim-large: every answer is an admission candidate)%n", clients,
                1000 / CLIENT_INTERVAL.toMillis(), loadSeconds);
        List<AtomicBoolean> alive = Stream.generate(() -> new AtomicBoolean(true)).limit(GATEWAYS).toList();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        long loadStart = System.nanoTime();
        long loadEnd = loadStart + TimeUnit.SECONDS.toNanos(loadSeconds);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofPlatform().name("cluster-demo-client-" + c).start(() -> {
                int n = 0;
                while (System.nanoTime() < loadEnd) {
                    long next = System.nanoTime() + CLIENT_INTERVAL.toNanos();
                    int g = (client + n) % GATEWAYS;
                    while (!alive.get(g).get()) {
                        g = (g + 1) % GATEWAYS;
                    }
                    String q = question(client, n++);
                    try {
                        int status = chat(bases.get(g), q);
                        if (status == 200) {
                            answered.get(g).add(q);
                        } else {
                            errors.add("gateway " + (g + 1) + ": HTTP " + status);
                        }
                    } catch (IOException e) {
                        errors.add("gateway " + (g + 1) + ": " + e.getClass().getSimpleName());
                    } catch (InterruptedException e) {
                        return;
                    }
                    sleepUntil(next);
                }
            }));
        }
        sleepUntil(loadStart + TimeUnit.SECONDS.toNanos(loadSeconds) * 2 / 5);
        alive.get(1).set(false);
        long acknowledged2 = ClusterLoss.admissions(metrics(bases.get(1))).getOrDefault("admitted", 0L);
        gateways.get(1).destroyForcibly();
        System.out.printf("  %4.1f s: gateway 2 killed (SIGKILL) with %d acknowledged admissions (scraped just before)%n",
                (System.nanoTime() - loadStart) / 1e9, acknowledged2);
        sleepUntil(loadStart + TimeUnit.SECONDS.toNanos(loadSeconds) * 3 / 5);
        System.out.printf("  %4.1f s: Cassandra node 3 killed (SIGKILL, pid %s)%n",
                (System.nanoTime() - loadStart) / 1e9, killCassandraNode(3));
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf("  %4.1f s: load over: %d answered (gateway 1: %d, gateway 2: %d, gateway 3: %d), "
                + "%d client errors%n", (System.nanoTime() - loadStart) / 1e9,
                answered.stream().mapToInt(List::size).sum() - 1, answered.get(0).size() - 1,
                answered.get(1).size(), answered.get(2).size(), errors.size());
        errors.stream().collect(Collectors.groupingBy(e -> e, TreeMap::new, Collectors.counting()))
                .forEach((e, n) -> System.out.printf("    client error: %s (x%d)%n", e, n));

        // Accounting: what each gateway's store acknowledged against what the survivors find.
        Map<String, Long> outcomes1 = settled(bases.get(0), answered.get(0).size());
        Map<String, Long> outcomes3 = settled(bases.get(2), answered.get(2).size());
        List<ClusterLoss.Account> accounts = List.of(
                account(1, outcomes1.getOrDefault("admitted", 0L), answered.get(0)),
                account(2, acknowledged2, answered.get(1)),
                account(3, outcomes3.getOrDefault("admitted", 0L), answered.get(2)));
        System.out.printf("%nadmission outcomes: gateway 1 %s of %d answers, gateway 3 %s of %d answers%s%n",
                outcomes1, answered.get(0).size(), outcomes3, answered.get(2).size(),
                total(outcomes1) < answered.get(0).size() || total(outcomes3) < answered.get(2).size()
                        ? " (some answers still without an outcome after 90 s)" : "");
        System.out.println("per gateway: admissions its store acknowledged (gateway 2: at its kill), answers it gave "
                + "(gateway 1: with the freshness example), examples of those answers the survivors find");
        System.out.printf("%-10s %12s %9s %6s %10s %5s%n", "", "acknowledged", "answered", "found", "unverified",
                "lost");
        for (ClusterLoss.Account a : accounts) {
            System.out.printf("%-10s %12d %9d %6d %10d %5d%n", a.gateway(), a.acknowledged(), a.answered(),
                    a.found(), a.unverified(), a.lost());
        }
        long unverified = ClusterLoss.unverified(accounts);
        if (unverified > 0) {
            System.out.println("unverified: " + unverified + " (every search for them failed; not counted as lost, "
                    + "so the count below is a lower bound)");
        }
        System.out.println("bank: " + bankCount(bases.get(2)) + " examples (gateway 3's stats)");
        System.out.println("lost: " + ClusterLoss.lost(accounts));
        System.out.printf("(demo took %.0f s; stopping everything it started)%n", (System.nanoTime() - t0) / 1e9);
        if (!check) {
            return 0;
        }
        List<String> failures = ClusterLoss.failures(selected, accounts, List.copyOf(errors), 2, clients);
        failures.forEach(f -> System.out.println("check FAILED: " + f));
        if (failures.isEmpty()) {
            System.out.println("check: passed");
        }
        return failures.isEmpty() ? 0 : 1;
    }

    /** A distinct question per client and request, so that no admission merges with another. */
    private static String question(int client, int n) {
        return String.format(Locale.ROOT, "Client %s, request %d: %s %s?", (char) ('A' + client), n,
                ASPECTS[(n / TOPICS.length) % ASPECTS.length], TOPICS[n % TOPICS.length]);
    }

    private ClusterLoss.Account account(int gateway, long acknowledged, List<String> answered) throws Exception {
        Set<String> found = new HashSet<>();
        Set<String> unverified = new HashSet<>();
        for (String q : List.copyOf(answered)) {
            // Searches read one replica (LOCAL_ONE): a miss is looked up again through the other survivor, and a
            // failed search is tried again; a question no search answered for is unverified, not lost.
            boolean answeredOnce = false;
            for (int attempt = 0; attempt < 4 && !found.contains(q); attempt++) {
                switch (search(bases.get(attempt % 2 == 0 ? 2 : 0), q)) {
                    case FOUND -> found.add(q);
                    case ABSENT -> answeredOnce = true;
                    case FAILED -> Thread.sleep(500);
                }
                if (answeredOnce && attempt >= 1) {
                    break;
                }
            }
            if (!found.contains(q) && !answeredOnce) {
                unverified.add(q);
            }
        }
        return ClusterLoss.account("gateway " + gateway, acknowledged, answered, found, unverified);
    }

    private static long total(Map<String, Long> outcomes) {
        return outcomes.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * The admission outcomes of a surviving gateway once every candidate has one (after a node dies, a
     * batch can wait for the driver's timeouts), or as they are after 90 s.
     */
    private Map<String, Long> settled(String base, int candidates) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Map<String, Long> outcomes = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                outcomes = ClusterLoss.admissions(metrics(base));
            } catch (IOException e) {
                // a scrape can time out while the driver still tries the dead node; the next one may not
            }
            if (total(outcomes) >= candidates) {
                break;
            }
            Thread.sleep(500);
        }
        return outcomes;
    }

    private void startGateway(String java, Path jar, Path work, int n, String keyspace) throws IOException {
        Path home = work.resolve("gateway" + n);
        Files.createDirectories(home);
        int port = freePort();
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: %d
                virtual-model: iccache
                default-model: sim-large
                data-dir: %s
                access-log:
                  enabled: false
                backends:
                  - name: sim-small
                    simulated: small
                    sim-time-scale: %s
                  - name: sim-large
                    simulated: large
                    sim-time-scale: %s
                bank:
                  store: cassandra
                  dedup-threshold: 1.0
                  cassandra:
                    contact-points: [127.0.0.1:9042, 127.0.0.2:9042, 127.0.0.3:9042]
                    keyspace: %s
                    replication-factor: 3
                """.formatted(port, home.resolve("data"), timeScale, timeScale, keyspace);
        Path config = home.resolve("iccache.yaml");
        Files.writeString(config, yaml);
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "serve", "--config", config.toString(),
                "--no-watch-config")
                .redirectErrorStream(true).redirectOutput(home.resolve("gateway.log").toFile());
        pb.environment().put("ICCACHE_ADMIN_KEY", adminKey);
        synchronized (gateways) {
            if (stopped.get()) {
                throw new IllegalStateException("stopping");
            }
            gateways.add(pb.start());
        }
        bases.add("http://127.0.0.1:" + port);
    }

    private void awaitReady(int g) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!gateways.get(g).isAlive()) {
                throw new IllegalStateException("gateway " + (g + 1) + " exited during start; see its gateway.log");
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(bases.get(g) + "/readyz")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("gateway " + (g + 1) + " not ready after 180 s; see its gateway.log");
    }

    /** Sends one non-streaming request for the large model (no max_tokens: a cut answer is never admitted). */
    private int chat(String base, String prompt) throws IOException, InterruptedException {
        return send(base, "sim-large", prompt).statusCode();
    }

    /** The examples {@code base} put into the small model's prompt for {@code prompt} (0 when it failed). */
    private int examplesSelected(String base, String prompt) throws IOException, InterruptedException {
        HttpResponse<Void> res = send(base, "sim-small", prompt);
        return res.statusCode() != 200 ? 0
                : res.headers().firstValue("x-iccache-examples").map(Integer::parseInt).orElse(0);
    }

    private HttpResponse<Void> send(String base, String model, String prompt) throws IOException, InterruptedException {
        var body = Json.object();
        body.put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    /** What one admin search can tell about an example. */
    private enum Search { FOUND, ABSENT, FAILED }

    /** Whether the admin search of {@code base} returns the example of the request {@code prompt}. */
    private Search search(String base, String prompt) throws InterruptedException {
        HttpResponse<String> res;
        try {
            res = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/examples/search?k=3&q="
                + URLEncoder.encode(prompt, StandardCharsets.UTF_8))).header("Authorization", "Bearer " + adminKey)
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) {
                return Search.FAILED;
            }
            for (JsonNode hit : Json.MAPPER.readTree(res.body()).path("results")) {
                for (JsonNode content : hit.path("request").findValues("content")) {
                    if (content.asText().equals(prompt)) {
                        return Search.FOUND;
                    }
                }
            }
            return Search.ABSENT;
        } catch (IOException e) {
            return Search.FAILED;
        }
    }

    private String metrics(String base) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).header("Authorization", "Bearer " + adminKey)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The bank's example count by {@code base}'s stats (a full scan), or why there is none. */
    private String bankCount(String base) throws InterruptedException {
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/bank/stats"))
                    .header("Authorization", "Bearer " + adminKey).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return res.statusCode() == 200 ? Long.toString(Json.MAPPER.readTree(res.body()).path("count").asLong())
                    : "unknown (HTTP " + res.statusCode() + ")";
        } catch (IOException e) {
            return "unknown (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** Kills node {@code n} of the demo's cluster by its pid file; the pid, or "none" if it was not running. */
    private String killCassandraNode(int n) throws IOException {
        Path pidFile = cassandraDir.resolve("node" + n).resolve("pid");
        if (!Files.isRegularFile(pidFile)) {
            return "none";
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
        // The pid file is the demo's own; on Linux, make sure the pid was not reused by another process.
        if (Files.isReadable(cmdline) && !Files.readString(cmdline, StandardCharsets.ISO_8859_1).contains("CassandraDaemon")) {
            return "none";
        }
        return ProcessHandle.of(pid)
                .map(p -> {
                    p.destroyForcibly();
                    return Long.toString(pid);
                }).orElse("none");
    }

    /** Stops the gateways (SIGTERM, then SIGKILL after 10 s) and the demo's Cassandra nodes; once. */
    private void stopAll() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        synchronized (gateways) {
            gateways.forEach(Process::destroy);
            for (Process p : gateways) {
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (cassandraDir != null && Files.isDirectory(cassandraDir)) {
            try {
                ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("cassandra/cassandra.sh").toString(), "stop")
                        .inheritIO();
                pb.environment().put("ICCACHE_CASSANDRA_DIR", cassandraDir.toString());
                pb.start().waitFor(3, TimeUnit.MINUTES);
            } catch (IOException e) {
                System.err.println("cluster-demo: stopping Cassandra failed (" + e.getMessage() + "); run "
                        + "ICCACHE_CASSANDRA_DIR=" + cassandraDir + " ./iccache cassandra stop");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Empties {@code work} for a fresh cluster, keeping the resolved Cassandra classpath (a Maven run saved). */
    private void emptyExceptClasspath(Path work) throws IOException {
        Path keep = cassandraDir.resolve("classpath.txt");
        if (Files.exists(work)) {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(keep) && !p.equals(cassandraDir) && !p.equals(work)) {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(cassandraDir);
    }

    private static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleepUntil(long nanoTime) {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
