package dev.iccache.workload;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Request texts of the shared data sets, in stream order (file order; files in the order listed
 * in {@link #NAMES}), and of any JSONL or CSV file. Nothing is de-duplicated: a repeated request
 * is part of the workload.
 */
public final class TextDatasets {
    /** What each named data set holds. */
    public static final Map<String, String> NAMES = Map.of(
            "nq-open", "nq-open: NQ-open.dev, efficientqa.dev, efficientqa.test questions (7,179)",
            "banking77", "banking77: train.csv then test.csv texts, labelled with the intent (13,083)",
            "gsm8k", "gsm8k: train then test questions (8,792)",
            "mmlu", "mmlu: the 57 test files by name, each question as RouteLLM prompts it (14,042)",
            "arena-hard-v0.1", "arena-hard-v0.1: the first user turn of each question (500)",
            "arena-bench-v1", "arena-bench-v1: each question's single turn (300)",
            "mt-bench", "mt-bench: the first turn of each question (80)");

    private final DataDirectory data;

    public TextDatasets(DataDirectory data) {
        this.data = data;
    }

    /** A named data set; fails naming the known ones if the name is unknown. */
    public List<TextRecord> load(String name) {
        return switch (name) {
            case "nq-open" -> nqOpen();
            case "banking77" -> {
                List<TextRecord> all = new ArrayList<>(banking77("train.csv"));
                all.addAll(banking77("test.csv"));
                yield all;
            }
            case "gsm8k" -> {
                List<TextRecord> all = new ArrayList<>(jsonl("gsm8k", "train.jsonl", "question"));
                all.addAll(jsonl("gsm8k", "test.jsonl", "question"));
                yield all;
            }
            case "mmlu" -> mmlu();
            case "arena-hard-v0.1" -> jsonl("arena-hard-v0.1", "question.jsonl", "turns.0.content");
            case "arena-bench-v1" -> jsonl("arena-bench-v1", "question.jsonl", "turns.0");
            case "mt-bench" -> jsonl("mt-bench", "question.jsonl", "turns.0");
            default -> throw new IllegalArgumentException("unknown data set '" + name + "'; known: "
                    + NAMES.keySet().stream().sorted().toList());
        };
    }

    /** banking77's train split (the bank of a cache) or test split (its queries), labelled. */
    public List<TextRecord> banking77(String splitFile) {
        Csv.Table t = Csv.read(data.file("banking77", splitFile));
        int text = t.column("text");
        int label = t.column("category");
        return t.rows().stream().map(r -> TextRecord.labelled(r.get(text), r.get(label))).toList();
    }

    /**
     * Texts (and, if {@code labelField} is given, labels) of any JSONL or CSV file. Records without
     * the text field fail naming the record; records without a label are skipped when labels are
     * asked for.
     */
    public static List<TextRecord> fromFile(Path file, String textField, Optional<String> labelField) {
        List<JsonNode> records = RecordFile.read(file);
        List<TextRecord> out = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            JsonNode r = records.get(i);
            int recordNo = i + 1;
            String text = RecordFile.text(r, textField).orElseThrow(() -> new IllegalArgumentException(
                    file + " record " + recordNo + ": no text field '" + textField + "'"));
            if (labelField.isEmpty()) {
                out.add(TextRecord.of(text));
            } else {
                RecordFile.text(r, labelField.get()).ifPresent(l -> out.add(TextRecord.labelled(text, l)));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no records with the fields asked for");
        }
        return out;
    }

    private List<TextRecord> nqOpen() {
        List<TextRecord> all = new ArrayList<>();
        for (String f : List.of("NQ-open.dev.jsonl", "NQ-open.efficientqa.dev.1.1.jsonl",
                "NQ-open.efficientqa.test.1.1.jsonl")) {
            all.addAll(jsonl("nq-open", f, "question"));
        }
        return all;
    }

    private List<TextRecord> jsonl(String folder, String file, String field) {
        return fromFile(data.file(folder, file), field, Optional.empty());
    }

    private List<TextRecord> mmlu() {
        List<TextRecord> all = new ArrayList<>();
        for (Path f : csvFiles(data.folder("mmlu").resolve("test"), "mmlu/test")) {
            Csv.Table t = Csv.read(f);
            int q = t.column("question");
            int[] choices = {t.column("choice0"), t.column("choice1"), t.column("choice2"), t.column("choice3")};
            Function<List<String>, String> prompt = r -> mmluPrompt(r.get(q), r.get(choices[0]), r.get(choices[1]),
                    r.get(choices[2]), r.get(choices[3]));
            t.rows().forEach(r -> all.add(TextRecord.of(prompt.apply(r))));
        }
        return all;
    }

    /** An MMLU question as RouteLLM's response files hold it (see ../shared/data/mmlu/SOURCE.md). */
    static String mmluPrompt(String question, String a, String b, String c, String d) {
        return question + "\nA. " + a + "\nB. " + b + "\nC. " + c + "\nD. " + d + "\nAnswer:";
    }

    /** The {@code *.csv} files of a folder sorted by name; fails clearly when there are none. */
    static List<Path> csvFiles(Path folder, String what) {
        if (!Files.isDirectory(folder)) {
            throw new MissingDataException("expected the folder " + folder + " (" + what + ")");
        }
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList();
            if (files.isEmpty()) {
                throw new MissingDataException("no *.csv files in " + folder + " (" + what + ")");
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }
}
