package dev.iccache.cli;

import java.nio.file.Path;

/** Checks that an eval command names exactly one source: a named data set or a file with its field. */
final class EvalSource {
    private EvalSource() {
    }

    /** The source's name for reports. */
    static String check(String dataset, Path file, String field) {
        if ((dataset == null) == (file == null)) {
            throw new IllegalStateException("give either --dataset NAME or --file PATH --field NAME");
        }
        if (file != null && field == null) {
            throw new IllegalStateException("--file needs --field NAME (the text field or column)");
        }
        return dataset != null ? dataset : file.getFileName().toString();
    }
}
