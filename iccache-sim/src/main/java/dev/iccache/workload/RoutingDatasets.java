package dev.iccache.workload;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Routing streams with real recorded outcomes: RouteLLM's evaluation data (Mixtral-8x7B vs
 * GPT-4-1106-preview on MMLU, GSM8K and MT-Bench) and arena-bench-v1 (15 judged chat models), in
 * file order. Like RouteLLM's {@code benchmarks.py}, the prompts RouteLLM found in its router
 * training data ({@code contaminated_prompts.jsonl}) are left out unless asked otherwise.
 */
public final class RoutingDatasets {
    /** RouteLLM's weak model. */
    public static final String MIXTRAL = "mistralai/Mixtral-8x7B-Instruct-v0.1";
    /** RouteLLM's strong model. */
    public static final String GPT4 = "gpt-4-1106-preview";
    /** What each named stream holds. */
    public static final Map<String, String> NAMES = Map.of(
            "routellm-mmlu", "RouteLLM MMLU: 14,042 questions (57 files by name), correctness of Mixtral and GPT-4",
            "routellm-gsm8k", "RouteLLM GSM8K: 1,319 problems, correctness of Mixtral and GPT-4",
            "routellm-mtbench", "RouteLLM MT-Bench: 80 two-turn questions, GPT-4 judge scores of Mixtral and GPT-4",
            "arena-bench", "arena-bench-v1: 300 prompts, GPT-4 reference-guided scores of 15 models");

    private static final String ROUTELLM = "routellm-evals";
    private static final String ARENA = "arena-bench-v1";

    private final DataDirectory data;
    private final boolean decontaminate;

    /**
     * @param decontaminate leave out RouteLLM's contaminated prompts, as RouteLLM's evaluation does
     */
    public RoutingDatasets(DataDirectory data, boolean decontaminate) {
        this.data = data;
        this.decontaminate = decontaminate;
    }

    /** A named stream; fails naming the known ones if the name is unknown. */
    public RoutingStream load(String name) {
        return switch (name) {
            case "routellm-mmlu" -> routellmCsv(name, TextDatasets.csvFiles(
                    data.folder(ROUTELLM).resolve("mmlu/responses"), "routellm-evals/mmlu/responses"),
                    "mmlu/contaminated_prompts.jsonl");
            case "routellm-gsm8k" -> routellmCsv(name, List.of(data.file(ROUTELLM, "gsm8k/gsm8k_responses.csv")),
                    "gsm8k/contaminated_prompts.jsonl");
            case "routellm-mtbench" -> mtBench();
            case "arena-bench" -> arenaBench();
            default -> throw new IllegalArgumentException("unknown routing data set '" + name + "'; known: "
                    + NAMES.keySet().stream().sorted().toList());
        };
    }

    /**
     * Any JSONL or CSV file with a text field and two quality fields (numbers, or true/false),
     * each divided by {@code qualityMax} so that it lies in [0, 1]. Records missing a value are
     * left out and counted.
     */
    public static RoutingStream fromFile(Path file, String textField, String weakField, String strongField,
            double qualityMax) {
        List<JsonNode> records = RecordFile.read(file);
        List<RoutingPrompt> prompts = new ArrayList<>();
        int missing = 0;
        for (int i = 0; i < records.size(); i++) {
            JsonNode r = records.get(i);
            Optional<String> text = RecordFile.text(r, textField);
            OptionalDouble weak = RecordFile.number(r, weakField);
            OptionalDouble strong = RecordFile.number(r, strongField);
            if (text.isEmpty() || weak.isEmpty() || strong.isEmpty()) {
                missing++;
                continue;
            }
            double[] q = {weak.getAsDouble() / qualityMax, strong.getAsDouble() / qualityMax};
            for (double v : q) {
                if (v < 0 || v > 1) {
                    throw new IllegalArgumentException(file + " record " + (i + 1) + ": quality " + v * qualityMax
                            + " is outside [0, " + qualityMax + "]; set the quality maximum (--quality-max)");
                }
            }
            prompts.add(RoutingPrompt.of(Integer.toString(i + 1), text.get(), 1, q));
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException(file + ": no record has the fields " + textField + ", " + weakField
                    + " and " + strongField);
        }
        return new RoutingStream(file.getFileName().toString(), List.of(weakField, strongField), prompts,
                "value / " + qualityMax, missing == 0 ? "" : missing + " records without all three fields");
    }

    private RoutingStream routellmCsv(String name, List<Path> files, String contaminatedFile) {
        Set<String> contaminated = contaminated(contaminatedFile);
        List<RoutingPrompt> prompts = new ArrayList<>();
        int left = 0;
        for (Path f : files) {
            Csv.Table t = Csv.read(f);
            int prompt = t.column("prompt");
            int weak = t.column(MIXTRAL);
            int strong = t.column(GPT4);
            for (int i = 0; i < t.rows().size(); i++) {
                List<String> r = t.rows().get(i);
                if (contaminated.contains(r.get(prompt))) {
                    left++;
                    continue;
                }
                double[] q = {correct(r.get(weak), f), correct(r.get(strong), f)};
                String id = f.getFileName().toString().replace(".csv", "") + "#" + (i + 1);
                prompts.add(RoutingPrompt.of(id, r.get(prompt), 1, q));
            }
        }
        return new RoutingStream(name, List.of(MIXTRAL, GPT4), prompts, "correctness (1 correct, 0 wrong)",
                decontaminate ? left + " prompts on RouteLLM's contamination list left out" : "");
    }

    private static double correct(String v, Path file) {
        return switch (v.strip()) {
            case "True", "true", "1" -> 1;
            case "False", "false", "0" -> 0;
            default -> throw new IllegalArgumentException(file + ": correctness must be True or False, got " + v);
        };
    }

    /**
     * MT-Bench as RouteLLM evaluates it: the router sees the first turn only; a model's quality on
     * a question is the mean of the GPT-4 judge's 1-10 scores of its two turns, divided by 10.
     */
    private RoutingStream mtBench() {
        Set<String> contaminated = contaminated("mt_bench/contaminated_prompts.jsonl");
        Map<String, Map<String, List<Double>>> scores = new HashMap<>();
        for (JsonNode j : RecordFile.readJson(data.file(ROUTELLM, "mt_bench/judgements.jsonl"))) {
            scores.computeIfAbsent(j.path("question_id").asText(), k -> new HashMap<>())
                    .computeIfAbsent(j.path("model").asText(), k -> new ArrayList<>())
                    .add(j.path("score").asDouble());
        }
        List<RoutingPrompt> prompts = new ArrayList<>();
        int left = 0;
        for (JsonNode q : RecordFile.readJson(data.file(ROUTELLM, "mt_bench/question.jsonl"))) {
            String id = q.path("question_id").asText();
            String turn1 = q.path("turns").path(0).asText();
            String turn2 = q.path("turns").path(1).asText();
            if (contaminated.contains(turn1) || contaminated.contains(turn2)) {
                left++;
                continue;
            }
            Map<String, List<Double>> byModel = scores.getOrDefault(id, Map.of());
            double[] quality = {meanOver10(byModel.get(MIXTRAL)), meanOver10(byModel.get(GPT4))};
            prompts.add(RoutingPrompt.of(id, turn1, 1, quality));
        }
        return new RoutingStream("routellm-mtbench", List.of(MIXTRAL, GPT4), prompts,
                "GPT-4 judge score (1-10) averaged over both turns, / 10",
                decontaminate ? left + " questions on RouteLLM's contamination list left out" : "");
    }

    private static double meanOver10(List<Double> v) {
        if (v == null || v.isEmpty()) {
            return Double.NaN;
        }
        return v.stream().mapToDouble(Double::doubleValue).average().orElseThrow() / 10;
    }

    /**
     * arena-bench-v1: each question's single turn; per judged model its GPT-4 reference-guided
     * score (1-10) / 10, NaN where the judge gave no rating; and each model's answer text.
     */
    private RoutingStream arenaBench() {
        Csv.Table t = Csv.read(data.file(ARENA, "scores.csv"));
        int qid = t.column("question_id");
        int model = t.column("model");
        int score = t.column("score");
        Set<String> models = new LinkedHashSet<>();
        Map<String, Map<String, Double>> byQuestion = new HashMap<>();
        for (List<String> r : t.rows()) {
            models.add(r.get(model));
            String s = r.get(score).strip();
            byQuestion.computeIfAbsent(r.get(qid), k -> new HashMap<>())
                    .put(r.get(model), s.isEmpty() ? Double.NaN : Double.parseDouble(s) / 10);
        }
        List<String> names = models.stream().sorted().toList();
        Map<String, Map<String, String>> answers = new LinkedHashMap<>();
        for (String m : names) {
            String file = "model_answer/" + m.substring(m.lastIndexOf('/') + 1) + ".jsonl";
            Map<String, String> a = new HashMap<>();
            for (JsonNode r : RecordFile.readJson(data.file(ARENA, file))) {
                a.put(r.path("question_id").asText(), r.path("choices").path(0).path("turns").path(0).asText());
            }
            answers.put(m, a);
        }
        List<RoutingPrompt> prompts = new ArrayList<>();
        for (JsonNode q : RecordFile.readJson(data.file(ARENA, "question.jsonl"))) {
            String id = q.path("question_id").asText();
            Map<String, Double> s = byQuestion.getOrDefault(id, Map.of());
            double[] quality = new double[names.size()];
            List<Optional<String>> text = new ArrayList<>(names.size());
            for (int i = 0; i < names.size(); i++) {
                quality[i] = s.getOrDefault(names.get(i), Double.NaN);
                text.add(Optional.ofNullable(answers.get(names.get(i)).get(id)));
            }
            prompts.add(new RoutingPrompt(id, q.path("turns").path(0).asText(), 1, quality, text));
        }
        return new RoutingStream("arena-bench", names, prompts,
                "GPT-4 reference-guided judge score (1-10) / 10", "");
    }

    private Set<String> contaminated(String relative) {
        if (!decontaminate) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        for (JsonNode r : RecordFile.readJson(data.file(ROUTELLM, relative))) {
            out.add(r.path("eval_prompt").asText());
        }
        return out;
    }
}
