package dev.iccache.scrub;

import static dev.iccache.scrub.PiiGenerators.chars;
import static dev.iccache.scrub.PiiGenerators.pick;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ordinary text, full of numbers, dates, amounts, versions, identifiers, URLs and paths, in which the
 * scrubber must find nothing.
 */
class FalsePositiveCorpusTest {
    private static final Scrubber SCRUBBER = Scrubber.from(ScrubberSettings.DEFAULT);
    private static final int SENTENCES = 600;

    private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};

    /** Sentence templates; each fills in random ordinary values. */
    private static final List<Function<SplittableRandom, String>> TEMPLATES = List.of(
            r -> "The invoice dated " + isoDate(r) + " totals $" + amount(r) + " including " + r.nextInt(30) + "% VAT.",
            r -> "Meeting on " + day(r) + "/" + month(r) + "/" + year(r) + " at " + time(r) + ", room "
                    + r.nextInt(500) + ".",
            r -> "Le virement de " + euroAmount(r) + " € a été reçu le " + day(r) + "." + month(r) + "." + year(r)
                    + ".",
            r -> "Deployed at " + isoDate(r) + "T" + time(r) + ":" + two(r.nextInt(60)) + "Z with build "
                    + r.nextInt(9000) + ".",
            r -> "Born on " + (1 + r.nextInt(28)) + " " + MONTHS[r.nextInt(12)] + " " + year(r) + ", died "
                    + MONTHS[r.nextInt(12)] + " " + (1 + r.nextInt(28)) + ", " + year(r) + ".",
            r -> "Upgrade from " + version(r) + " to v" + version(r) + " (see CHANGELOG " + version(r) + "-rc"
                    + r.nextInt(5) + ").",
            r -> "Order #" + (100000 + r.nextInt(9_000_000)) + " ships in " + (1 + r.nextInt(9)) + " days; ref INV-"
                    + year(r) + "-" + String.format(Locale.ROOT, "%06d", r.nextInt(1_000_000)) + ".",
            r -> "ISBN " + pick(r, "978-3-16-148410-0", "0-306-40615-2", "978-0-13-468599-1", "9780262033848")
                    + " was printed in " + year(r) + ", page " + r.nextInt(900) + ".",
            r -> "Call extension " + (1000 + r.nextInt(9000)) + " or dial " + (100 + r.nextInt(900)) + "-"
                    + (1000 + r.nextInt(9000)) + " from the lobby.",
            r -> "Request id " + UUID.nameUUIDFromBytes(chars(r, "abcdef", 8).getBytes()) + " failed after "
                    + r.nextInt(5000) + " ms.",
            r -> "Trace " + UUID.nameUUIDFromBytes(chars(r, "xyz", 8).getBytes()).toString().toUpperCase(Locale.ROOT)
                    + " took " + r.nextInt(100) + "." + r.nextInt(10) + " s.",
            r -> "See https://example.com/docs/" + pick(r, "getting-started", "api/v2/reference", "faq#billing")
                    + "?page=" + r.nextInt(20) + "&lang=en for details.",
            r -> "Clone https://github.com/"
                    + pick(r, "ben-manes/caffeine", "javalin/javalin", "langchain4j/langchain4j")
                    + ".git and open src/main/java/dev/iccache/" + pick(r, "Gateway", "ExampleStore", "Router")
                    + ".java.",
            r -> "Run "
                    + pick(r, "/usr/local/bin/python3", "~/.cargo/bin/rustc", "C:\\Program Files\\Java\\jdk-21\\bin\\java.exe")
                    + " --version and check "
                    + pick(r, "/var/log/nginx/access.log", "~/.config/nvim/init.lua", "./target/classes") + ".",
            r -> "Compute " + r.nextInt(100) + " * " + r.nextInt(1000) + " + " + r.nextInt(100) + " = ? and then "
                    + r.nextInt(20) + "^" + r.nextInt(10) + " - " + r.nextInt(99) + ".",
            r -> "Solve x^2 + " + r.nextInt(10) + "x - " + r.nextInt(50) + " = 0; the roots are " + decimal(r)
                    + " and -" + decimal(r) + ".",
            r -> "pi = 3.141592653589793, e = 2.718281828459045 and sqrt(2) = 1.4142135623730951.",
            r -> "Commit " + chars(r, "0123456789abcdef", 40) + " fixed it; short hash "
                    + chars(r, "0123456789abcdef", 7) + ".",
            r -> "The image digest is sha256:" + chars(r, "0123456789abcdef", 64) + ".",
            r -> "Coordinates " + decimal(r) + ", " + decimal(r) + " are " + r.nextInt(900) + " km from Paris.",
            r -> "Screen " + pick(r, "1920x1080", "2560x1440", "3840x2160") + " at " + pick(r, "60", "120", "144")
                    + " Hz, " + (4 + r.nextInt(60)) + " GB RAM, " + r.nextInt(10) + "." + r.nextInt(10) + " GHz.",
            r -> "Timestamp " + (1_600_000_000L + r.nextInt(200_000_000)) + " or in ms "
                    + (1_600_000_000_000L + r.nextLong(200_000_000_000L)) + ".",
            r -> "It was " + (r.nextBoolean() ? "-" : "") + r.nextInt(40) + "." + r.nextInt(10) + " °C, humidity "
                    + r.nextInt(100) + "%, wind " + r.nextInt(90) + " km/h.",
            r -> "Final score " + r.nextInt(120) + "-" + r.nextInt(120) + " after " + (1 + r.nextInt(4))
                    + " quarters in " + (1990 + r.nextInt(35)) + "-" + (1990 + r.nextInt(35)) + ".",
            r -> "Load " + pick(r, "gpt-4o-mini-2024-07-18", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
                    "claude-3-5-sonnet-20241022", "Qwen2.5-Coder-32B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3",
                    "sentence-transformers/all-MiniLM-L6-v2") + " with temperature 0." + r.nextInt(10) + ".",
            r -> "Rename " + pick(r, "getUserAccountBalance2024ForReport", "AbstractSingletonProxyFactoryBean",
                    "HttpServletRequestWrapper2", "shouldReturn404WhenUserNotFound", "EC2InstanceMetadataServiceV2",
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ISO8601DateTimeFormatter", "Log4j2ConfigurationFactory")
                    + " to something shorter.",
            r -> "Set color " + pick(r, "#1E90FF", "#fff", "#a3c2f0") + " and margin " + r.nextInt(40) + "px "
                    + r.nextInt(40) + "px.",
            r -> "Listen on " + pick(r, "localhost:8080", "127.0.0.1:5432", "0.0.0.0:80", "[::1]:9090")
                    + " with netmask " + pick(r, "255.255.255.0", "255.255.0.0") + ".",
            r -> "The population is " + String.format(Locale.ROOT, "%,d", 1_000_000L + r.nextLong(9_000_000_000L))
                    + " and GDP grew " + r.nextInt(10) + "." + r.nextInt(100) + "% in Q" + (1 + r.nextInt(4)) + " "
                    + year(r) + ".",
            r -> "Flight LH " + (100 + r.nextInt(9000)) + " leaves gate B" + r.nextInt(60) + " at " + time(r)
                    + ", seat " + (1 + r.nextInt(40)) + pick(r, "A", "C", "F") + ".",
            r -> "Use image nginx:1." + r.nextInt(30) + "." + r.nextInt(10)
                    + "-alpine and com.fasterxml.jackson.core:jackson-databind:2." + r.nextInt(20) + "." + r.nextInt(5)
                    + ".",
            r -> "Duration PT" + r.nextInt(24) + "H" + r.nextInt(60) + "M, i.e. " + r.nextInt(24) + "h " + r.nextInt(60)
                    + "m " + r.nextInt(60) + "s.",
            r -> "Windows build 10.0." + (19000 + r.nextInt(4000)) + "." + r.nextInt(5000) + " and Chrome/"
                    + (100 + r.nextInt(30)) + ".0.0.0 are supported; see version " + r.nextInt(10) + "." + r.nextInt(10)
                    + "." + r.nextInt(10) + "." + r.nextInt(10) + ".",
            r -> "Set the api_key environment variable, keep the token in a vault and rotate the password every "
                    + r.nextInt(100) + " days.",
            r -> "Tracking number 1Z999AA1" + String.format(Locale.ROOT, "%010d", r.nextLong(10_000_000_000L))
                    + " and pod my-app-7d9f8c6b5d-" + chars(r, "bcdfghjklmnpqrstvwxz2456789", 5) + " restarted.",
            r -> "Between " + (1 + r.nextInt(12)) + ":" + two(r.nextInt(60)) + " and " + (1 + r.nextInt(12)) + ":"
                    + two(r.nextInt(60)) + " pm we sold " + r.nextInt(10_000) + " units at €" + r.nextInt(100) + ","
                    + two(r.nextInt(100)) + " each.",
            r -> "Matrix [[" + r.nextInt(10) + ", " + r.nextInt(10) + "], [" + r.nextInt(10) + ", " + r.nextInt(10)
                    + "]] has determinant " + (r.nextInt(200) - 100) + ".",
            r -> "Shipment " + pick(r, "SHP", "PO", "RMA") + "-" + (10_000 + r.nextInt(90_000)) + " weighs "
                    + r.nextInt(1000) + "." + r.nextInt(100) + " kg (" + r.nextInt(3000) + " lb).",
            r -> "Sent " + pick(r, "Mon", "Tue", "Wed", "Thu", "Fri") + ", " + day(r) + " "
                    + MONTHS[r.nextInt(12)].substring(0, 3) + " " + year(r) + " " + time(r) + ":" + two(r.nextInt(60))
                    + " GMT, logged as " + year(r) + "/" + month(r) + "/" + day(r) + " " + time(r) + ":"
                    + two(r.nextInt(60)) + "." + r.nextInt(1000) + ".",
            r -> "Revenue was USD " + String.format(Locale.ROOT, "%,d", r.nextInt(100_000_000)) + " (£"
                    + r.nextInt(10) + "." + r.nextInt(10) + "bn, ¥"
                    + String.format(Locale.ROOT, "%,d", r.nextInt(10_000_000)) + ", "
                    + String.format(Locale.FRANCE, "%,d", 1000 + r.nextInt(100_000_000)) + " €), +" + r.nextInt(50)
                    + "% in Q" + (1 + r.nextInt(4)) + " FY" + year(r) + ".",
            r -> "Dial +" + r.nextInt(100) + " then " + (100 + r.nextInt(900)) + " " + (1000 + r.nextInt(9000))
                    + " (too short for a number), or page " + r.nextInt(1000) + "-" + r.nextInt(1000) + " on "
                    + MONTHS[r.nextInt(12)] + " " + (1 + r.nextInt(28)) + pick(r, "st", "nd", "th") + ".");

    static Stream<String> generatedSentences() {
        SplittableRandom random = new SplittableRandom(42);
        return IntStream.range(0, SENTENCES).mapToObj(i -> TEMPLATES.get(i % TEMPLATES.size()).apply(random));
    }

    @ParameterizedTest
    @MethodSource("generatedSentences")
    void ordinarySentencesHaveNoFindings(String sentence) {
        assertNothingFound(sentence);
    }

    @ParameterizedTest
    @MethodSource("chat")
    void realisticChatHasNoFindings(String message) {
        assertNothingFound(message);
    }

    @Test
    void theRunningJdksClassNamesAreNotSecrets() {
        List<String> names = new ArrayList<>();
        for (ModuleReference module : ModuleFinder.ofSystem().findAll()) {
            try (ModuleReader reader = module.open()) {
                reader.list().filter(n -> n.endsWith(".class")).forEach(n -> names.add(n.substring(0, n.length() - 6)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        String text = String.join("\n", names);
        List<Finding> findings = SCRUBBER.scrub(text).findings();
        List<String> flagged = findings.stream().map(f -> text.substring(f.start(), f.end())).toList();
        assertThat(names).hasSizeGreaterThan(10_000);
        assertThat(flagged.size()).as("flagged %s", flagged).isLessThanOrEqualTo(names.size() / 2000);
    }

    private static void assertNothingFound(String text) {
        List<Finding> findings = SCRUBBER.scrub(text).findings();
        assertThat(findings.stream().map(f -> f.kind() + " " + text.substring(f.start(), f.end())).toList())
                .as("findings in: %s", text).isEmpty();
    }

    static Stream<String> chat() {
        return Stream.of(
                "What's the difference between ArrayList and LinkedList in Java 21? I have about 1,000,000 elements.",
                """
                For 1,000,000 elements, ArrayList is almost always faster: it stores references in one array,
                so iteration is cache-friendly. LinkedList needs ~24 bytes per node extra. Benchmarks on JDK 21.0.2
                show get(i) at ~1 ns vs ~2.5 ms for LinkedList near the middle.""",
                "My flight is on 2024-06-14 at 07:45 from CDG terminal 2E, gate K31. How early should I arrive?",
                "Convert 72 °F to Celsius and 5'11\" to centimetres please.",
                """
                72 °F = (72 - 32) × 5/9 ≈ 22.2 °C. 5'11" = 71 inches × 2.54 = 180.34 cm.""",
                """
                Here is my docker-compose.yml:
                services:
                  db:
                    image: postgres:16.2
                    ports: ["5432:5432"]
                    environment:
                      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
                      POSTGRES_DB: app
                  api:
                    image: ghcr.io/acme/api:1.4.2
                    depends_on: [db]
                Why does the api container exit with code 137?""",
                """
                Exit code 137 means the container was killed with SIGKILL (128 + 9), usually by the OOM killer.
                Check `docker inspect --format '{{.State.OOMKilled}}' api` and raise mem_limit from 512m to 1g.""",
                """
                import os
                from openai import OpenAI
                client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
                resp = client.chat.completions.create(model="gpt-4o-mini", max_tokens=256, temperature=0.2,
                    messages=[{"role": "user", "content": "Summarise Q3 2024 revenue: $12.4M, up 8.3% YoY"}])
                print(resp.usage.total_tokens)""",
                "How do I read a password from stdin in Python without echoing it? Currently: password = input()",
                "Use getpass: `import getpass; password = getpass.getpass(\"Password: \")`. It never echoes.",
                """
                SELECT customer_id, SUM(amount) AS total
                FROM orders
                WHERE created_at BETWEEN '2024-01-01' AND '2024-03-31 23:59:59'
                GROUP BY customer_id HAVING SUM(amount) > 10000.00
                ORDER BY total DESC LIMIT 50;""",
                "Is 2^31 - 1 = 2147483647 prime? And what about 4294967297?",
                "2147483647 is a Mersenne prime (M31). 4294967297 = 641 × 6700417, so F5 is not prime (Euler, 1732).",
                "git log shows commit 3f786850e387550fdab836ed7e6dc881de23001b from 2023-11-02 by the release bot.",
                """
                $ kubectl get pods -n prod
                NAME                          READY   STATUS    RESTARTS   AGE
                api-7d9f8c6b5d-x2k4p          1/1     Running   3          2d4h
                worker-5c8d7f9b4-qwrtz        1/1     Running   0          17h
                What does RESTARTS 3 mean?""",
                "Translate to German: 'The meeting on Tuesday, 12 March 2024 starts at 9:30 and costs €1.250,00 per person.'",
                "Das Treffen am Dienstag, 12. März 2024 beginnt um 9:30 Uhr und kostet 1.250,00 € pro Person.",
                "Write a regex for dates like 2024-05-01 or 01/05/2024: \\d{4}-\\d{2}-\\d{2}|\\d{2}/\\d{2}/\\d{4}",
                """
                curl -s http://localhost:8080/v1/chat/completions -H 'Content-Type: application/json' \\
                  -d '{"model":"iccache","messages":[{"role":"user","content":"hi"}],"max_tokens":64}'""",
                "My budget is 3 500 € per month; rent is 1 250 €, groceries 450 €. What's left after 19.6% savings?",
                "The UUID 123e4567-e89b-12d3-a456-426614174000 is version 1; 550e8400-e29b-41d4-a716-446655440000 is v4.",
                "Explain the Luhn algorithm step by step with 79927398713 as the example.",
                "In C++, std::unordered_map<std::string, int>::iterator it = m.find(key); is O(1) on average.",
                "Pin numpy==1.26.4, pandas>=2.2.1,<3 and torch==2.3.0+cu121 in requirements.txt.",
                "The error is java.lang.OutOfMemoryError: Java heap space at com.acme.Importer.load(Importer.java:142).",
                "Read chapter 3.2.1, pages 45-67, and exercises 1.1-1.12 before 15/09/2024.",
                "Our SLA is 99.95% monthly, i.e. at most 21 min 54 s of downtime in a 30-day month.",
                "The config key bank.dedup-threshold defaults to 0.98 and bank.admission-queue to 1000.",
                "Tokens: the prompt used 1,234 tokens and the completion 567 tokens, so 1,801 in total.",
                "Set JAVA_HOME=/usr/lib/jvm/temurin-21-jdk-amd64 and MAVEN_OPTS=-Xmx2g before running ./mvnw -q install.",
                "Base64 of 'hello' is aGVsbG8= and hex is 68656c6c6f.",
                "Benchmark: 12.3 ms p50, 45.6 ms p99, 2,345 req/s on a 16-core AMD EPYC at 2.45 GHz.",
                "The derivative of f(x) = 3x^4 - 2x^2 + 7 is f'(x) = 12x^3 - 4x, so f'(2) = 96 - 8 = 88.");
    }

    private static String isoDate(SplittableRandom r) {
        return year(r) + "-" + month(r) + "-" + day(r);
    }

    private static int year(SplittableRandom r) {
        return 1950 + r.nextInt(80);
    }

    private static String month(SplittableRandom r) {
        return two(1 + r.nextInt(12));
    }

    private static String day(SplittableRandom r) {
        return two(1 + r.nextInt(28));
    }

    private static String time(SplittableRandom r) {
        return two(r.nextInt(24)) + ":" + two(r.nextInt(60));
    }

    private static String two(int n) {
        return String.format(Locale.ROOT, "%02d", n);
    }

    private static String amount(SplittableRandom r) {
        return String.format(Locale.ROOT, "%,.2f", r.nextInt(100_000_000) / 100.0);
    }

    private static String euroAmount(SplittableRandom r) {
        return String.format(Locale.GERMANY, "%,.2f", r.nextInt(100_000_000) / 100.0);
    }

    private static String version(SplittableRandom r) {
        return r.nextInt(20) + "." + r.nextInt(30) + "." + r.nextInt(100);
    }

    private static String decimal(SplittableRandom r) {
        return String.format(Locale.ROOT, "%.4f", r.nextDouble() * 90);
    }
}
