package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.admission.AdmissionOutcome;
import dev.iccache.admission.Candidate;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.config.IccacheConfig;
import dev.iccache.metrics.Metrics;
import dev.iccache.server.ExampleBank;
import dev.iccache.tenant.Tenant;
import dev.iccache.testing.PlantedPii;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code iccache import} and {@code export} against a real Lucene bank and the real embedder. */
class ImportExportTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void importsGoodLinesReportsBadOnesAndExportsTheSameFormat() throws Exception {
        Path file = dir.resolve("pairs.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"What is the boiling point of water?\"}],"
                        + "\"response\":\"100 C at sea level\",\"model\":\"big\",\"quality\":0.9}",
                "{\"question\":\"who wrote hamlet\",\"answer\":[\"William Shakespeare\"]}",
                "this is not json",
                "{\"messages\":[],\"response\":\"x\"}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}",
                "",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Name a prime number\"}],\"response\":\"7\","
                        + "\"tenant\":\"t2\",\"quality\":2}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Name a prime number\"}],\"response\":\"7\","
                        + "\"tenant\":\"t2\"}"));
        Path data = dir.resolve("data");
        Run imported = run("import", "--data-dir", data.toString(), file.toString());
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.err()).contains("line 3:", "line 4:", "line 5:", "line 7:", "(skipped)",
                "admitted 3", "bad lines 4");

        Run exported = run("export", "--data-dir", data.toString());
        assertThat(exported.exit()).as(exported.err()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : exported.out().split("\n")) {
            lines.add(Json.MAPPER.readTree(l));
        }
        assertThat(lines).hasSize(3);
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.path("response").asText()).isEqualTo("William Shakespeare");
            assertThat(l.path("messages").path(0).path("content").asText()).isEqualTo("who wrote hamlet");
            assertThat(l.path("tenant").asText()).isEqualTo("default");
        });
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.path("model").asText()).isEqualTo("big");
            assertThat(l.path("quality").asDouble()).isEqualTo(0.9);
        });

        Run onlyT2 = run("export", "--data-dir", data.toString(), "--tenant", "t2");
        assertThat(onlyT2.out().strip().split("\n")).singleElement().satisfies(l -> assertThat(l).contains("prime"));

        Path again = dir.resolve("again.jsonl");
        Files.writeString(again, exported.out());
        Path data2 = dir.resolve("data2");
        assertThat(run("import", "--data-dir", data2.toString(), again.toString()).exit()).isZero();
        assertThat(run("export", "--data-dir", data2.toString()).out().strip().split("\n")).hasSize(3);
    }

    @Test
    void exportReturnsPersonalDataOutsideMessageTextMasked() throws Exception {
        Path file = dir.resolve("planted.jsonl");
        Files.writeString(file, "{\"messages\":" + Json.MAPPER.readTree(PlantedPii.MESSAGES) + ",\"response\":"
                + Json.MAPPER.writeValueAsString(PlantedPii.RESPONSE) + "}\n");
        Path data = dir.resolve("data");
        Run imported = run("import", "--data-dir", data.toString(), file.toString());
        assertThat(imported.err()).as(imported.err()).contains("admitted 1");
        Run exported = run("export", "--data-dir", data.toString());
        JsonNode line = Json.MAPPER.readTree(exported.out());
        String arguments = line.path("messages").path(2).path("tool_calls").path(0).path("function").path("arguments")
                .asText();
        assertThat(exported.out() + Json.MAPPER.readTree(arguments)).doesNotContain(PlantedPii.RAW)
                .contains("[EMAIL]", "[CARD]", "[SECRET]", "[IBAN]", "[NATIONAL_ID]", "[IP]", "[PHONE]");
    }

    @Test
    void perUserDeleteWorksAfterAnExportImportRoundTrip() throws Exception {
        Path data = dir.resolve("data");
        try (ExampleBank bank = ExampleBank.open(config(data), new Metrics(), System::getenv)) {
            assertThat(bank.admitter().admitAll(List.of(served("ann@example.com", "What is the tallest mountain?"),
                    served("bob", "How deep is the ocean?")))).containsOnly(AdmissionOutcome.ADMITTED);
        }
        Run exported = run("export", "--data-dir", data.toString());
        assertThat(exported.out()).doesNotContain("ann@example.com");
        Path file = dir.resolve("bank.jsonl");
        Files.writeString(file, exported.out());
        for (String l : exported.out().strip().split("\n")) {
            assertThat(Json.MAPPER.readTree(l).path("user_pseudonym").asText()).isNotBlank();
        }

        // Restored into the same data directory (its user key stays): the user can still be erased.
        deleteRecursively(data.resolve("bank"));
        assertThat(run("import", "--data-dir", data.toString(), file.toString()).err()).contains("admitted 2");
        assertThat(forget(data, "ann@example.com")).isEqualTo(1);
        assertThat(run("export", "--data-dir", data.toString()).out()).contains("ocean").doesNotContain("mountain");

        // Another data directory needs the source's key, or it could never find the user.
        Path other = dir.resolve("other");
        Run refused = run("import", "--data-dir", other.toString(), file.toString());
        assertThat(refused.err()).contains("line 1:", "user key", "user-key", "bad lines 2");
        Path copy = dir.resolve("copy");
        Files.createDirectories(copy);
        Files.copy(data.resolve("user-key"), copy.resolve("user-key"));
        assertThat(run("import", "--data-dir", copy.toString(), file.toString()).err()).contains("admitted 2");
        assertThat(forget(copy, "ann@example.com")).isEqualTo(1);
        assertThat(forget(copy, "ann@example.com")).isZero();
    }

    private static IccacheConfig config(Path data) {
        return IccacheConfig.embeddedDefault().toBuilder().dataDir(data).build();
    }

    private static Candidate served(String user, String question) {
        ChatRequest request = ChatRequest.parse(("{\"model\":\"iccache\",\"user\":\"" + user + "\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"" + question + "\"}]}").getBytes(StandardCharsets.UTF_8));
        return new Candidate(Tenant.DEFAULT, request, "an answer to: " + question, "big", Optional.of("stop"), 5, 5,
                OptionalDouble.empty());
    }

    /** What {@code DELETE /admin/tenants/default/users/{user}/examples} does. */
    private static long forget(Path data, String user) {
        try (ExampleBank bank = ExampleBank.open(config(data), new Metrics(), System::getenv)) {
            return bank.store().deleteUser(Tenant.DEFAULT.name(), bank.users().pseudonym(user));
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aMissingFileIsAClearError() {
        Run r = run("import", "--data-dir", dir.toString(), dir.resolve("nope.jsonl").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no such file");
    }
}
