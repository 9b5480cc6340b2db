package dev.iccache.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loaders on tiny files in the shared data's layout, and their failures when the data is absent. */
class LoadersTest {
    @TempDir
    Path dir;

    @Test
    void absentDataFailsNamingTheExpectedPathAndOrigin() {
        DataDirectory data = DataDirectory.at(dir);
        assertThatThrownBy(() -> new TextDatasets(data).load("banking77")).isInstanceOf(MissingDataException.class)
                .hasMessageContaining(dir.resolve("banking77").toString())
                .hasMessageContaining("PolyAI-LDN/task-specific-datasets").hasMessageContaining("--data");
        assertThatThrownBy(() -> new RoutingDatasets(data, true).load("routellm-mmlu"))
                .isInstanceOf(MissingDataException.class).hasMessageContaining("routellm-evals")
                .hasMessageContaining("lm-sys/RouteLLM");
    }

    @Test
    void defaultLocationOutsideTheCheckoutSaysWhereTheDataComesFrom() throws IOException {
        Path nowhere = Files.createDirectories(dir.resolve("a/b"));
        DataDirectory data = DataDirectory.locate(nowhere);
        assertThat(data.root()).isEqualTo(nowhere.resolve(DataDirectory.DEFAULT_LOCATION).normalize());
        assertThatThrownBy(() -> new TextDatasets(data).load("nq-open")).isInstanceOf(MissingDataException.class)
                .hasMessageContaining(data.root().resolve("nq-open").toString())
                .hasMessageContaining("not part of the repository");
    }

    @Test
    void locateFindsSharedDataNextToAnAncestor() throws IOException {
        Path shared = Files.createDirectories(dir.resolve("shared/data"));
        Path module = Files.createDirectories(dir.resolve("main/some-module"));
        assertThat(DataDirectory.locate(module).root()).isEqualTo(shared.toAbsolutePath().normalize());
    }

    @Test
    void incompleteFolderNamesTheMissingFile() throws IOException {
        Files.createDirectories(dir.resolve("gsm8k"));
        assertThatThrownBy(() -> new TextDatasets(DataDirectory.at(dir)).load("gsm8k"))
                .isInstanceOf(MissingDataException.class).hasMessageContaining("train.jsonl");
    }

    @Test
    void routellmCsvIsDecontaminatedLikeRouteLlm() throws IOException {
        Path g = Files.createDirectories(dir.resolve("routellm-evals/gsm8k"));
        Files.writeString(g.resolve("gsm8k_responses.csv"), "prompt," + RoutingDatasets.MIXTRAL + ","
                + RoutingDatasets.GPT4 + ",x\n\"two, lines\nhere\",False,True,a\nclean,True,True,b\nleaked,True,False,c\n");
        Files.writeString(g.resolve("contaminated_prompts.jsonl"), "{\"eval_prompt\":\"leaked\"}\n");
        RoutingStream s = new RoutingDatasets(DataDirectory.at(dir), true).load("routellm-gsm8k");
        assertThat(s.models()).containsExactly(RoutingDatasets.MIXTRAL, RoutingDatasets.GPT4);
        assertThat(s.prompts()).hasSize(2);
        assertThat(s.prompts().get(0).text()).isEqualTo("two, lines\nhere");
        assertThat(s.prompts().get(0).quality()).containsExactly(0, 1);
        assertThat(s.dropped()).contains("1 prompts");
        assertThat(new RoutingDatasets(DataDirectory.at(dir), false).load("routellm-gsm8k").prompts()).hasSize(3);
    }

    @Test
    void mtBenchRoutesOnTheFirstTurnAndAveragesBothTurnsScores() throws IOException {
        Path m = Files.createDirectories(dir.resolve("routellm-evals/mt_bench"));
        Files.writeString(m.resolve("question.jsonl"), """
                {"question_id": 81, "turns": ["first turn", "second turn"]}
                """);
        Files.writeString(m.resolve("judgements.jsonl"), """
                {"question_id": 81, "model": "%1$s", "score": 6, "turn": 1}
                {"question_id": 81, "model": "%1$s", "score": 8, "turn": 2}
                {"question_id": 81, "model": "%2$s", "score": 10, "turn": 1}
                {"question_id": 81, "model": "%2$s", "score": 9, "turn": 2}
                """.formatted(RoutingDatasets.MIXTRAL, RoutingDatasets.GPT4));
        Files.writeString(m.resolve("contaminated_prompts.jsonl"), "");
        RoutingStream s = new RoutingDatasets(DataDirectory.at(dir), true).load("routellm-mtbench");
        RoutingPrompt p = s.prompts().get(0);
        assertThat(p.text()).isEqualTo("first turn");
        assertThat(p.quality()[0]).isCloseTo(0.7, within(1e-12));
        assertThat(p.quality()[1]).isCloseTo(0.95, within(1e-12));
    }

    @Test
    void anyFileByFieldPathWithLabels() throws IOException {
        Path f = dir.resolve("x.jsonl");
        Files.writeString(f, """
                {"turns": [{"content": "hello"}], "intent": "greet"}
                {"turns": [{"content": "bye"}]}
                """);
        List<TextRecord> all = TextDatasets.fromFile(f, "turns.0.content", Optional.empty());
        assertThat(all).extracting(TextRecord::text).containsExactly("hello", "bye");
        assertThat(TextDatasets.fromFile(f, "turns.0.content", Optional.of("intent")))
                .containsExactly(TextRecord.labelled("hello", "greet"));
        assertThatThrownBy(() -> TextDatasets.fromFile(f, "question", Optional.empty()))
                .hasMessageContaining("no text field 'question'");
        Path csv = dir.resolve("y.csv");
        Files.writeString(csv, "q,weak,strong\nwhat,0.5,1\nwhy,True,false\n");
        RoutingStream s = RoutingDatasets.fromFile(csv, "q", "weak", "strong", 1);
        assertThat(s.prompts()).extracting(p -> p.quality()[0]).containsExactly(0.5, 1.0);
        assertThatThrownBy(() -> RoutingDatasets.fromFile(csv, "q", "weak", "strong", 0.5))
                .hasMessageContaining("--quality-max");
    }
}
