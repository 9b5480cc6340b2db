package dev.iccache.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The named workloads on the shared data (skipped when {@code ../shared/data} is absent), and
 * {@link Workloads#fromFile} and the splitting rules on tiny files.
 */
class WorkloadsTest {
    private static final DataDirectory DATA = DataDirectory.locate(Path.of(""));

    @TempDir
    Path dir;

    /**
     * Per workload what is documented: the share of items with answers (nq-open: two online
     * questions' only gold answers, "---" and ")", normalise to nothing), the share of online and
     * history items with both recorded qualities, and whether every item has a large answer.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "nq-open,         0.999, 0,    0,    false",
        "banking77,       1,     0,    0,    false",
        "gsm8k,           1,     1,    0,    false",
        "mmlu,            1,     1,    1,    false",
        "arena-bench-v1,  0,     0.95, 0.95, true",
        "arena-hard-v0.1, 0,     0,    0,    true"})
    void namedWorkloadHoldsWhatItDocuments(String name, double answered, double recordedOnline,
            double recordedHistory, boolean largeAnswers) {
        assumeTrue(Files.isDirectory(DATA.root()), "../shared/data is not available");
        assertThat(Workloads.NAMES).containsKey(name);
        Workload w = new Workloads(DATA).load(name, 1);
        assertThat(w.name()).isEqualTo(name);
        assertThat(w.history()).isNotEmpty();
        assertThat(w.online()).isNotEmpty();
        Set<String> online = new HashSet<>();
        w.online().forEach(i -> online.add(Workload.normalisedText(i.text())));
        assertThat(share(w.history(), i -> online.contains(Workload.normalisedText(i.text())))).isZero();
        List<WorkItem> all = Stream.concat(w.history().stream(), w.online().stream()).toList();
        assertThat(all).extracting(WorkItem::id).doesNotHaveDuplicates();
        assertThat(share(all, i -> !i.answers().isEmpty())).isGreaterThanOrEqualTo(answered);
        Predicate<WorkItem> recorded = i -> i.recordedSmall().isPresent() && i.recordedLarge().isPresent();
        assertThat(share(w.online(), recorded)).isGreaterThanOrEqualTo(recordedOnline);
        assertThat(share(w.history(), recorded)).isGreaterThanOrEqualTo(recordedHistory);
        if (recordedOnline == 0 && recordedHistory == 0) {
            assertThat(share(all, i -> i.recordedSmall().isPresent() || i.recordedLarge().isPresent())).isZero();
            assertThat(w.recorded()).isEqualTo(Workloads.LATENT);
        }
        if (largeAnswers) {
            assertThat(share(all, i -> i.largeAnswer().isPresent())).isEqualTo(1);
        }
    }

    @Test
    void seedOrdersOnlyDataWithoutOrderAndNeverChangesTheSplit() {
        assumeTrue(Files.isDirectory(DATA.root()), "../shared/data is not available");
        Workloads workloads = new Workloads(DATA);
        Workload a = workloads.load("arena-hard-v0.1", 1);
        Workload b = workloads.load("arena-hard-v0.1", 2);
        assertThat(a.online()).isNotEqualTo(b.online()).containsExactlyInAnyOrderElementsOf(b.online());
        assertThat(workloads.load("gsm8k", 1).online()).isEqualTo(workloads.load("gsm8k", 2).online());
    }

    @Test
    void unknownNameFailsListingTheKnownOnes() {
        assertThatThrownBy(() -> new Workloads(DataDirectory.at(dir)).load("nope", 1))
                .hasMessageContaining("unknown workload 'nope'")
                .hasMessageContaining(String.join(", ", Workloads.NAMES.keySet()));
    }

    @Test
    void absentDataFailsNamingTheExpectedPath() {
        assertThatThrownBy(() -> new Workloads(DataDirectory.at(dir)).load("gsm8k", 1))
                .isInstanceOf(MissingDataException.class).hasMessageContaining(dir.resolve("gsm8k").toString());
    }

    @Test
    void jsonlFileSplitsInFileOrderSkippingRecordsWithoutText() throws IOException {
        Path f = dir.resolve("q.jsonl");
        Files.writeString(f, """
                {"q": "Who wrote Hamlet?", "a": ["The  Shakespeare!", "W. Shakespeare"]}
                {"a": "no text"}
                {"q": "capital of France", "a": "Paris"}
                {"q": "who wrote hamlet?"}
                {"q": "largest planet", "a": "Jupiter"}
                """);
        Workload w = Workloads.fromFile(f, "q", Optional.of("a"), 0.5);
        // 4 records with text: the first 2 are history, but the first repeats the online "who wrote hamlet?"
        assertThat(w.history()).extracting(WorkItem::text).containsExactly("capital of France");
        assertThat(w.online()).extracting(WorkItem::id).containsExactly("q.jsonl/4", "q.jsonl/5");
        assertThat(w.description()).contains("1 records without 'q' skipped").contains("1 history items dropped");
        assertThat(w.history().get(0).answers()).containsExactly("paris");
        assertThat(w.online().get(0).answers()).isEmpty();
        assertThat(Workloads.fromFile(f, "q", Optional.of("a"), 1).history().get(0).answers())
                .containsExactly("shakespeare", "w shakespeare");
        assertThat(w.recorded()).isEqualTo(Workloads.LATENT);
    }

    @Test
    void csvFileWithoutAnswerField() throws IOException {
        Path f = dir.resolve("q.csv");
        Files.writeString(f, "text,label\nhello,greet\n,empty\nbye,leave\nthanks,thank\n");
        Workload w = Workloads.fromFile(f, "text", Optional.empty(), 0.5);
        assertThat(w.history()).extracting(WorkItem::text).containsExactly("hello", "bye");
        assertThat(w.online()).extracting(WorkItem::text).containsExactly("thanks");
        assertThat(w.online().get(0).answers()).isEmpty();
        assertThat(w.description()).contains("1 records without 'text' skipped");
        assertThatThrownBy(() -> Workloads.fromFile(f, "nope", Optional.empty(), 0.5))
                .hasMessageContaining("no record has the text field 'nope'");
        assertThatThrownBy(() -> Workloads.fromFile(f, "text", Optional.empty(), 1.5))
                .hasMessageContaining("history fraction");
    }

    @Test
    void limitKeepsTheFirstItemsOfEachPart() throws IOException {
        Path f = dir.resolve("n.csv");
        Files.writeString(f, "t\na\nb\nc\nd\ne\n");
        Workload w = Workloads.fromFile(f, "t", Optional.empty(), 0.4).limit(1, 2);
        assertThat(w.history()).extracting(WorkItem::text).containsExactly("a");
        assertThat(w.online()).extracting(WorkItem::text).containsExactly("c", "d");
        assertThat(w.limit(5, 5)).isSameAs(w);
    }

    @Test
    void workloadRejectsAnOnlineTextInHistoryAndDuplicateIds() {
        WorkItem a = WorkItem.of("1", "Same  text", Set.of());
        WorkItem b = WorkItem.of("2", "same text", Set.of());
        assertThatThrownBy(() -> new Workload("w", "", "s", "l", "", List.of(a), List.of(b)))
                .hasMessageContaining("history item 1");
        List<WorkItem> sameId = List.of(WorkItem.of("1", "x", Set.of()));
        assertThatThrownBy(() -> new Workload("w", "", "s", "l", "", List.of(a), sameId))
                .hasMessageContaining("duplicate id 1");
    }

    @Test
    void workItemRejectsQualityOutsideTheUnitInterval() {
        assertThatThrownBy(() -> new WorkItem("1", "t", Set.of(), OptionalDouble.of(1.5), OptionalDouble.empty(),
                Optional.empty())).hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> new WorkItem("1", "t", Set.of(), OptionalDouble.empty(),
                OptionalDouble.of(Double.NaN), Optional.empty())).hasMessageContaining("[0, 1]");
    }

    @Test
    void answersAreNormalisedAsSquadDoes() {
        assertThat(Workloads.normalisedAnswer("The  Eiffel-Tower, Paris!")).isEqualTo("eiffeltower paris");
        assertThat(Workloads.normalisedAnswer("an apple a day")).isEqualTo("apple day");
    }

    @Test
    void hashSplitIsRoughlyEven() {
        long history = Stream.iterate(0, i -> i + 1).limit(10_000).filter(i -> Workloads.inHistory("id/" + i)).count();
        assertThat(history).isBetween(4_800L, 5_200L);
    }

    private static double share(List<WorkItem> items, Predicate<WorkItem> test) {
        return items.stream().filter(test).count() / (double) items.size();
    }
}
