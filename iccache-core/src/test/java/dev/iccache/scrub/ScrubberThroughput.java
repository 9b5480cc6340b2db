package dev.iccache.scrub;

import dev.iccache.scrub.PiiGenerators.Shape;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A one-off measurement of scrubbing throughput, on ordinary text with planted personal data and on inputs
 * built to make regular expressions backtrack. Not a test; the results are in docs/pii-scrubbing.md. Run
 * after building the core module:
 *
 * <pre>
 * java -cp iccache-core/target/classes:iccache-core/target/test-classes dev.iccache.scrub.ScrubberThroughput
 * </pre>
 */
final class ScrubberThroughput {
    private static final int MB = 1 << 20;

    private ScrubberThroughput() {
    }

    public static void main(String[] args) {
        Scrubber scrubber = Scrubber.from(ScrubberSettings.DEFAULT);
        SplittableRandom random = new SplittableRandom(1);
        StringBuilder chat = new StringBuilder();
        int planted = 0;
        while (chat.length() < 8 * MB) {
            chat.append(PiiGenerators.sentence(random)).append(' ');
            if (random.nextInt(20) == 0) {
                chat.append(Shape.values()[random.nextInt(Shape.values().length)].generate(random).value()).append(' ');
                planted++;
            }
            if (random.nextInt(8) == 0) {
                chat.append("Version 1.2.").append(random.nextInt(99)).append(" costs $").append(random.nextInt(10_000))
                        .append(".99 on 2024-05-").append(10 + random.nextInt(20)).append(" at 10:")
                        .append(10 + random.nextInt(50)).append(".\n");
            }
        }
        System.out.printf(Locale.ROOT, "chat text with %d planted values%n", planted);
        measure(scrubber, "  8 MiB chat text", chat.toString(), 5);
        String[][] adversarial = {{"letters", "a"}, {"digits", "7"}, {"digit groups", "06 "}, {"at signs", "a@"},
            {"colons", "a:"}, {"hex and colons", "f:"}, {"JWT starts", "eyJ."}, {"assignments", "token="},
            {"PEM headers", "-----BEGIN PRIVATE KEY-----"}, {"base64", "aZ9+"}, {"plus digits", "+1 "}};
        for (String[] input : adversarial) {
            for (int size : new int[] {MB, 4 * MB}) {
                measure(scrubber, String.format(Locale.ROOT, "  %d MiB of %-14s", size / MB, "\"" + input[1] + "\""),
                        input[1].repeat(size / input[1].length()), 3);
            }
        }
    }

    private static void measure(Scrubber scrubber, String label, String text, int runs) {
        long sink = 0;
        for (int warm = 0; warm < 2; warm++) {
            sink += scrubber.scrub(text).findings().size();
        }
        long start = System.nanoTime();
        for (int run = 0; run < runs; run++) {
            sink += scrubber.scrub(text).findings().size();
        }
        double seconds = (System.nanoTime() - start) / 1e9 / runs;
        System.out.printf(Locale.ROOT, "%s %8.1f MB/s  (%.3f s per pass, %d findings)%n", label,
                text.length() / 1e6 / seconds, seconds, sink / (runs + 2));
    }
}
