package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.workload.DataDirectory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code iccache calibration-check --pair gemma2} on the real nq-open data and the real embedder:
 * every target of the pair within its tolerance (skipped when ../shared/data is absent).
 */
class CalibrationCheckCommandTest {
    @TempDir
    Path dir;

    @Test
    void theGemma2WorldMeetsThePapersTargets() throws Exception {
        DataDirectory data = DataDirectory.locate(Path.of(""));
        assumeTrue(Files.isDirectory(data.root().resolve("nq-open")), "no shared nq-open data");
        Path json = dir.resolve("check.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute("calibration-check", "--pair", "gemma2", "--data", data.root().toString(), "--json",
                json.toString());
        assertThat(exit).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("every target within its tolerance", "win_rate_reference_dense");
        JsonNode result = Json.parse(Files.readAllBytes(json));
        assertThat(result.path("all_within").asBoolean()).isTrue();
        assertThat(result.path("rows")).allSatisfy(r -> {
            assertThat(r.has("measure") && r.has("target") && r.has("measured") && r.has("tolerance")).isTrue();
            assertThat(r.path("within").asBoolean()).as(r.toString()).isTrue();
        });
        assertThat(result.path("rows").findValuesAsText("measure")).contains("oracle_gap_closed",
                "reference_gap_closed", "similarity_helpfulness_pearson", "judge_agreement_close_pairs");
    }

    @Test
    void anUnknownPairIsOneClearLine() {
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute("calibration-check", "--pair", "gpt-9")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown model pair 'gpt-9'; known: gemma2, qwen-r1, gemini-flash-pro");
    }
}
