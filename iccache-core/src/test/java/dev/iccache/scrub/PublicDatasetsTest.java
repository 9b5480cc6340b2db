package dev.iccache.scrub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real questions and answers written by people and models (the shared data sets next to the repository, see
 * their README) in which the scrubber must find nothing. Skipped when the data is not there.
 */
class PublicDatasetsTest {
    private static final Scrubber SCRUBBER = Scrubber.from(ScrubberSettings.DEFAULT);
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "gsm8k      | ''",
        "banking77  | ''",
        "mmlu       | ''",
        "mt-bench   | ''",
        // "What is the latest version of Adobe Flash Player?": a four-part version is a valid IPv4 address.
        "nq-open    | 28.0.0.137"})
    void ordinaryQuestionsAndAnswersHaveNoFindings(String dataset, String knownFindings) throws IOException {
        Optional<Path> data = sharedData();
        assumeTrue(data.isPresent(), "../shared/data is not available");
        List<String> texts = texts(data.get().resolve(dataset));
        assertThat(texts).hasSizeGreaterThan(100);
        List<String> found = new ArrayList<>();
        for (String text : texts) {
            for (Finding f : SCRUBBER.scrub(text).findings()) {
                found.add(text.substring(f.start(), f.end()));
            }
        }
        assertThat(String.join(" ", found)).isEqualTo(knownFindings);
    }

    /** The shared data directory: {@code shared/data} next to the checkout or one of its parents. */
    private static Optional<Path> sharedData() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/data");
            if (Files.isRegularFile(candidate.resolve("README.md"))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Every string of every JSON Lines record, and every line of every CSV file, under {@code dir}. */
    private static List<String> texts(Path dir) throws IOException {
        List<String> texts = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.endsWith(".jsonl")) {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank()) {
                        strings(JSON.readTree(line), texts);
                    }
                }
            } else if (name.endsWith(".csv")) {
                texts.addAll(Files.readAllLines(file));
            }
        }
        return texts;
    }

    /** The strings in {@code node}, except identifiers ({@code id}, {@code *_id}), which are random by design. */
    private static void strings(JsonNode node, List<String> into) {
        if (node.isTextual()) {
            into.add(node.asText());
        } else if (node.isObject()) {
            node.properties().forEach(field -> {
                if (!field.getKey().equals("id") && !field.getKey().endsWith("_id")) {
                    strings(field.getValue(), into);
                }
            });
        } else {
            node.forEach(child -> strings(child, into));
        }
    }
}
