package dev.iccache.workload;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The simulator's workloads (EVALUATION.md §2.1, §2.3): named ones over the shared data, and any
 * JSONL or CSV file. A data set's train split is the history where it has one; otherwise ids are
 * split by hash ({@link #inHistory}), so every subject or topic falls in both parts. History items
 * repeating an online request's text are dropped. Sizes and rules: docs/evaluation.md, "Simulation
 * workloads".
 *
 * <p>The seed is used only where the files are grouped by label and so have no stream order
 * (banking77 by intent, mmlu by subject, arena-hard-v0.1 by topic cluster): both parts are then in
 * a seeded random order. Elsewhere both parts keep file order and the seed is not used.
 */
public final class Workloads {
    /** Name to a one-line description of each named workload. */
    public static final Map<String, String> NAMES = names(
            "nq-open", "NQ-open questions: EfficientQA dev + test as history, NQ-open dev as online;"
                    + " SQuAD-normalised short answers; latent quality",
            "banking77", "banking77 queries: train.csv as history, test.csv as online, each in a seeded order;"
                    + " answer = intent label; latent quality",
            "gsm8k", "GSM8K problems: train as history, test as online; answer = final number;"
                    + " GPT-3 6B vs 175B (verifier) correctness and 175B solutions on test",
            "mmlu", "MMLU questions as RouteLLM prompts them: split by hash of id, seeded order; answer = gold option;"
                    + " Mixtral-8x7B vs GPT-4-1106 correctness",
            "arena-bench-v1", "arena-bench-v1 chat prompts: split by hash of id; Mistral-7B vs GPT-4-1106"
                    + " judge scores / 10, GPT-4-1106 answers",
            "arena-hard-v0.1", "arena-hard-v0.1 chat prompts: split by hash of id, seeded order;"
                    + " GPT-4-0314 answers; latent quality");

    /** {@link Workload#recorded()} when quality comes from a latent difficulty, not from recorded outcomes. */
    static final String LATENT = "none: latent difficulty";
    /** The simulated models of a workload without recorded outcomes (the simulator's default profiles). */
    static final String SMALL = "small";
    static final String LARGE = "large";
    /** The small model of arena-bench-v1: the weakest judged 7B chat model (mean score 3.6 of 10). */
    static final String MISTRAL_7B = "mistralai/Mistral-7B-Instruct-v0.1";

    private static final Pattern PUNCTUATION = Pattern.compile("\\p{Punct}");
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private final DataDirectory data;
    private final RoutingDatasets routing;

    public Workloads(DataDirectory data) {
        this.data = data;
        this.routing = new RoutingDatasets(data, true);
    }

    /**
     * A named workload; {@code seed} only orders the data sets whose files are grouped by label (see
     * the class comment). Fails naming the known ones if the name is unknown.
     */
    public Workload load(String name, long seed) {
        return switch (name) {
            case "nq-open" -> nqOpen();
            case "banking77" -> banking77(seed);
            case "gsm8k" -> gsm8k();
            case "mmlu" -> mmlu(seed);
            case "arena-bench-v1" -> arenaBench();
            case "arena-hard-v0.1" -> arenaHard(seed);
            default -> throw new IllegalArgumentException("unknown workload '" + name + "'; known: "
                    + String.join(", ", NAMES.keySet()));
        };
    }

    /**
     * Any JSONL or CSV file: the text field is required, the answer field (a value or an array of
     * values, SQuAD-normalised) optional. The first {@code historyFraction} of the records with a
     * text, in file order, is history, the rest online; records without the text are skipped and
     * counted in the description. Quality is latent.
     */
    public static Workload fromFile(Path file, String textField, Optional<String> answerField,
            double historyFraction) {
        if (!(historyFraction >= 0 && historyFraction <= 1)) {
            throw new IllegalArgumentException("history fraction must be in [0, 1]: " + historyFraction);
        }
        String name = file.getFileName().toString();
        List<JsonNode> records = RecordFile.read(file);
        List<WorkItem> items = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            JsonNode r = records.get(i);
            Optional<String> text = RecordFile.text(r, textField);
            if (text.isPresent()) {
                Set<String> answers = answerField.flatMap(f -> RecordFile.at(r, f)).map(Workloads::answers)
                        .orElse(Set.of());
                items.add(WorkItem.of(name + "/" + (i + 1), text.get(), answers));
            }
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException(file + ": no record has the text field '" + textField + "'");
        }
        int cut = (int) Math.round(items.size() * historyFraction);
        int skipped = records.size() - items.size();
        String description = name + ": the first " + cut + " records as history, the other " + (items.size() - cut)
                + " online" + (skipped == 0 ? "" : "; " + skipped + " records without '" + textField + "' skipped");
        return workload(name, description, SMALL, LARGE, LATENT, items.subList(0, cut),
                items.subList(cut, items.size()));
    }

    private Workload nqOpen() {
        List<WorkItem> history = new ArrayList<>(nq("NQ-open.efficientqa.dev.1.1.jsonl", "efficientqa-dev"));
        history.addAll(nq("NQ-open.efficientqa.test.1.1.jsonl", "efficientqa-test"));
        return workload("nq-open", NAMES.get("nq-open"), SMALL, LARGE, LATENT, history, nq("NQ-open.dev.jsonl", "dev"));
    }

    /**
     * Questions of an NQ-open file; answers are {@code answer} plus, in the EfficientQA test file,
     * the predictions raters judged definitely correct.
     */
    private List<WorkItem> nq(String file, String split) {
        List<JsonNode> records = RecordFile.readJson(data.file("nq-open", file));
        List<WorkItem> out = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            JsonNode r = records.get(i);
            Set<String> answers = new LinkedHashSet<>(answers(r.path("answer")));
            answers.addAll(answers(r.path("def_correct_predictions")));
            out.add(WorkItem.of("nq-open/" + split + "/" + (i + 1), r.path("question").asText(), answers));
        }
        return out;
    }

    private Workload banking77(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return workload("banking77", NAMES.get("banking77"), SMALL, LARGE, LATENT,
                shuffled(banking77Split("train"), random), shuffled(banking77Split("test"), random));
    }

    private List<WorkItem> banking77Split(String split) {
        List<TextRecord> records = new TextDatasets(data).banking77(split + ".csv");
        List<WorkItem> out = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            TextRecord r = records.get(i);
            out.add(WorkItem.of("banking77/" + split + "/" + (i + 1), r.text(), Set.of(r.label().orElseThrow())));
        }
        return out;
    }

    /** GSM8K; test problems carry GPT-3's verifier-selected solutions from example_model_solutions.jsonl. */
    private Workload gsm8k() {
        Map<String, JsonNode> solutions = new HashMap<>();
        for (JsonNode s : RecordFile.readJson(data.file("gsm8k", "example_model_solutions.jsonl"))) {
            solutions.put(s.path("question").asText(), s);
        }
        return workload("gsm8k", NAMES.get("gsm8k"), "GPT-3 6B", "GPT-3 175B",
                "GPT-3 6B (small) vs 175B (large) correctness of verifier-selected solutions, from gsm8k"
                        + " example_model_solutions.jsonl (test problems only)",
                gsm8kSplit("train", Map.of()), gsm8kSplit("test", solutions));
    }

    private List<WorkItem> gsm8kSplit(String split, Map<String, JsonNode> solutions) {
        List<JsonNode> records = RecordFile.readJson(data.file("gsm8k", split + ".jsonl"));
        List<WorkItem> out = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            String id = "gsm8k/" + split + "/" + (i + 1);
            String question = records.get(i).path("question").asText();
            String solution = records.get(i).path("answer").asText();
            int mark = solution.lastIndexOf("####");
            if (mark < 0) {
                throw new IllegalArgumentException(id + ": no final answer after '####'");
            }
            Set<String> answer = Set.of(solution.substring(mark + 4).replace(",", "").strip());
            JsonNode s = solutions.get(question);
            out.add(s == null ? WorkItem.of(id, question, answer)
                    : new WorkItem(id, question, answer, RecordFile.number(s, "6b_verification.is_correct"),
                            RecordFile.number(s, "175b_verification.is_correct"),
                            RecordFile.text(s, "175b_verification.solution")));
        }
        return out;
    }

    /**
     * MMLU from RouteLLM's response files, whose rows are those of mmlu/test/&lt;subject&gt;_test.csv in
     * order (see mmlu/SOURCE.md); the answer is the gold letter with its normalised option text.
     */
    private Workload mmlu(long seed) {
        RoutingStream stream = routing.load("routellm-mmlu");
        Map<String, Csv.Table> gold = new HashMap<>();
        List<WorkItem> items = new ArrayList<>(stream.prompts().size());
        for (RoutingPrompt p : stream.prompts()) {
            int hash = p.id().indexOf('#'); // RoutingDatasets ids: mmlu_<subject>#<row>
            String subject = p.id().substring("mmlu_".length(), hash);
            int row = Integer.parseInt(p.id().substring(hash + 1));
            Csv.Table t = gold.computeIfAbsent(subject, s -> Csv.read(data.file("mmlu", "test/" + s + "_test.csv")));
            List<String> r = t.rows().get(row - 1);
            if (!p.text().startsWith(r.get(t.column("question")))) {
                throw new IllegalStateException("mmlu/test/" + subject + "_test.csv row " + row
                        + " is not the question of RouteLLM's " + p.id());
            }
            int answer = Integer.parseInt(r.get(t.column("answer")).strip());
            String option = "ABCD".charAt(answer) + ". " + normalisedAnswer(r.get(t.column("choice" + answer)));
            items.add(routed("mmlu/" + subject + "/" + row, p, Set.of(option), 0, 1));
        }
        return byHash("mmlu", NAMES.get("mmlu") + "; " + stream.dropped(), RoutingDatasets.MIXTRAL,
                RoutingDatasets.GPT4, "Mixtral-8x7B-Instruct (small) vs GPT-4-1106-preview (large) correctness from"
                        + " routellm-evals",
                shuffled(items, new SplittableRandom(seed)));
    }

    private Workload arenaBench() {
        RoutingStream stream = routing.load("arena-bench");
        int small = stream.model(MISTRAL_7B);
        int large = stream.model(RoutingDatasets.GPT4);
        List<WorkItem> items = stream.prompts().stream()
                .map(p -> routed("arena-bench-v1/" + p.id(), p, Set.of(), small, large)).toList();
        return byHash("arena-bench-v1", NAMES.get("arena-bench-v1"), MISTRAL_7B, RoutingDatasets.GPT4,
                "Mistral-7B-Instruct-v0.1 (small) vs GPT-4-1106-preview (large) GPT-4 reference-guided judge"
                        + " score / 10 from arena-bench-v1",
                items);
    }

    private Workload arenaHard(long seed) {
        Map<String, String> answers = new HashMap<>();
        for (JsonNode a : RecordFile.readJson(data.file("arena-hard-v0.1", "model_answer/gpt-4-0314.jsonl"))) {
            String id = a.path("question_id").asText();
            RecordFile.text(a, "choices.0.turns.0.content").ifPresent(t -> answers.put(id, t));
        }
        List<WorkItem> items = new ArrayList<>();
        for (JsonNode q : RecordFile.readJson(data.file("arena-hard-v0.1", "question.jsonl"))) {
            String id = q.path("question_id").asText();
            items.add(new WorkItem("arena-hard-v0.1/" + id, RecordFile.text(q, "turns.0.content").orElse(""), Set.of(),
                    OptionalDouble.empty(), OptionalDouble.empty(), Optional.ofNullable(answers.get(id))));
        }
        return byHash("arena-hard-v0.1", NAMES.get("arena-hard-v0.1"), SMALL, "gpt-4-0314", LATENT,
                shuffled(items, new SplittableRandom(seed)));
    }

    /** A routing prompt as a work item with the outcomes (NaN: none) and large answer of two of its models. */
    private static WorkItem routed(String id, RoutingPrompt p, Set<String> answers, int small, int large) {
        return new WorkItem(id, p.text(), answers, recorded(p.quality()[small]), recorded(p.quality()[large]),
                p.answers().get(large));
    }

    private static OptionalDouble recorded(double quality) {
        return Double.isNaN(quality) ? OptionalDouble.empty() : OptionalDouble.of(quality);
    }

    private static Workload byHash(String name, String description, String small, String large, String recorded,
            List<WorkItem> items) {
        Map<Boolean, List<WorkItem>> parts =
                items.stream().collect(Collectors.partitioningBy(i -> inHistory(i.id())));
        return workload(name, description, small, large, recorded, parts.get(true), parts.get(false));
    }

    /** A workload without the history items whose text repeats an online request's, counted in the description. */
    static Workload workload(String name, String description, String small, String large, String recorded,
            List<WorkItem> history, List<WorkItem> online) {
        Set<String> onlineTexts =
                online.stream().map(i -> Workload.normalisedText(i.text())).collect(Collectors.toSet());
        List<WorkItem> kept = history.stream()
                .filter(i -> !onlineTexts.contains(Workload.normalisedText(i.text()))).toList();
        int dropped = history.size() - kept.size();
        String d = dropped == 0 ? description
                : description + "; " + dropped + " history items dropped for repeating an online request's text";
        return new Workload(name, d, small, large, recorded, kept, online);
    }

    /**
     * Whether an id falls in the history half of a hash split: the lowest bit of the MurmurHash3
     * 64-bit finaliser applied to {@link String#hashCode()} is 0. Independent of the seed.
     */
    static boolean inHistory(String id) {
        long h = id.hashCode();
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return ((h ^ (h >>> 33)) & 1) == 0;
    }

    /** A copy in a random order (Fisher-Yates). */
    static <T> List<T> shuffled(List<T> items, SplittableRandom random) {
        List<T> out = new ArrayList<>(items);
        for (int i = out.size() - 1; i > 0; i--) {
            Collections.swap(out, i, random.nextInt(i + 1));
        }
        return out;
    }

    /** The SQuAD answer normalisation: lower case, no punctuation, no articles, single spaces. */
    public static String normalisedAnswer(String answer) {
        String s = PUNCTUATION.matcher(answer.toLowerCase(Locale.ROOT)).replaceAll("");
        s = ARTICLES.matcher(s).replaceAll(" ");
        return SPACES.matcher(s).replaceAll(" ").strip();
    }

    /** The normalised non-empty answers of a value or an array of values. */
    private static Set<String> answers(JsonNode node) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode v : node.isArray() ? node : List.of(node)) {
            if (v.isValueNode()) {
                String a = normalisedAnswer(v.asText());
                if (!a.isEmpty()) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    private static Map<String, String> names(String... nameDescription) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameDescription.length; i += 2) {
            m.put(nameDescription[i], nameDescription[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }
}
