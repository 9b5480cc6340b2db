package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.testing.PlantedPii;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    void aMissingFileIsAClearError() {
        Run r = run("import", "--data-dir", dir.toString(), dir.resolve("nope.jsonl").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no such file");
    }
}
