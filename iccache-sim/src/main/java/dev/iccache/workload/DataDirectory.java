package dev.iccache.workload;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The shared evaluation data: a directory with one folder per data set, by default
 * {@code ../shared/data} next to the repository checkout (see {@code ../shared/data/README.md}).
 * The data is not part of the repository; every loader resolves its files here and fails with
 * a {@link MissingDataException} naming the expected path when they are absent.
 */
public final class DataDirectory {
    /** Where the data lives relative to the repository root. */
    public static final String DEFAULT_LOCATION = "../shared/data";

    /** Public origin of each folder, for error messages (each folder's SOURCE.md has the details). */
    private static final Map<String, String> ORIGINS = Map.of(
            "nq-open", "google-research-datasets/natural-questions, nq_open/",
            "banking77", "PolyAI-LDN/task-specific-datasets, banking_data/",
            "gsm8k", "openai/grade-school-math, grade_school_math/data/",
            "mmlu", "hendrycks/test (MMLU test split, 57 subject CSV files)",
            "routellm-evals", "lm-sys/RouteLLM, routellm/evals/",
            "arena-bench-v1", "lm-sys/arena-hard-auto at commit 4a705dd, data/arena-bench-v1/",
            "arena-hard-v0.1", "lm-sys/arena-hard-auto, data/arena-hard-v0.1/",
            "mt-bench", "lm-sys/FastChat, fastchat/llm_judge/data/mt_bench/",
            "azure-llm-trace-2023", "Azure/AzurePublicDataset, data/AzureLLMInferenceTrace_*.csv");

    private final Path root;
    private final boolean explicit;

    private DataDirectory(Path root, boolean explicit) {
        this.root = root.toAbsolutePath().normalize();
        this.explicit = explicit;
    }

    /** Exactly this directory (a {@code --data DIR} option). */
    public static DataDirectory at(Path root) {
        return new DataDirectory(root, true);
    }

    /**
     * The default location: {@code ../shared/data} relative to the working directory or to the
     * nearest ancestor that has it (so both the repository root and a module directory work).
     * If none has it, the one relative to the working directory, which fails on first use.
     */
    public static DataDirectory locate(Path workingDirectory) {
        Path start = workingDirectory.toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(DEFAULT_LOCATION).normalize();
            if (Files.isDirectory(candidate)) {
                return new DataDirectory(candidate, false);
            }
        }
        return new DataDirectory(start.resolve(DEFAULT_LOCATION), false);
    }

    /** The directory (it may not exist). */
    public Path root() {
        return root;
    }

    /** A data set's folder; fails with a clear message if it is absent. */
    public Path folder(String name) {
        Path folder = root.resolve(name);
        if (!Files.isDirectory(folder)) {
            throw new MissingDataException("data set '" + name + "' not found: expected the folder " + folder
                    + origin(name) + ". " + hint());
        }
        return folder;
    }

    /** A file of a data set's folder; fails with a clear message if it is absent. */
    public Path file(String folder, String relative) {
        Path file = folder(folder).resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new MissingDataException("data set '" + folder + "' is incomplete: expected the file " + file
                    + origin(folder) + ". " + hint());
        }
        return file;
    }

    private static String origin(String name) {
        String origin = ORIGINS.get(name);
        return origin == null ? "" : " (public data from " + origin + ")";
    }

    private String hint() {
        return explicit
                ? "Check the --data directory; it must hold the shared data folders (see its README.md)."
                : "The evaluation data is not part of the repository: it is the shared folder " + DEFAULT_LOCATION
                        + " next to the checkout, each folder with a SOURCE.md naming its origin. Run from the"
                        + " repository root or pass --data DIR.";
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
