package dev.iccache.bench;

import java.util.Optional;
import java.util.function.Function;

/** Command-line handling shared by the benchmarks' {@code main} methods. */
final class BenchArgs {
    private BenchArgs() {
    }

    /**
     * The options {@code parser} reads from {@code args}, or empty after printing {@code help} when
     * it returns null (asked with --help); a bad option prints the error and the help and exits with 2.
     */
    static <T> Optional<T> parseOrExit(String[] args, Function<String[], T> parser, String script, String help) {
        T options;
        try {
            options = parser.apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println(script + ": " + e.getMessage());
            System.err.println(help);
            System.exit(2);
            return Optional.empty();
        }
        if (options == null) {
            System.out.println(help);
        }
        return Optional.ofNullable(options);
    }

    /** The value after option {@code args[i - 1]}. */
    static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
