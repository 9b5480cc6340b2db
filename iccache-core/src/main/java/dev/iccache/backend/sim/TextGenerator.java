package dev.iccache.backend.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Deterministic filler text: the same seed always gives the same tokens (one word a token). */
final class TextGenerator {
    private static final String[] WORDS = ("the model answers this request with a short explanation of how it "
            + "would reason about the question and which facts matter most for a clear and correct reply "
            + "first consider what is asked then recall related examples compare them weigh the evidence "
            + "and finally state the result in plain words so that the reader can check every step")
            .split(" ");

    private TextGenerator() {
    }

    /** Natural output length: log-normal around the median, at least one token. */
    static int naturalLength(SplittableRandom random, int median) {
        double z = gaussian(random);
        int n = (int) Math.round(median * Math.exp(0.6 * z));
        return Math.max(1, Math.min(n, median * 4));
    }

    /** {@code count} tokens; the first has no leading space, the others do, so they concatenate into text. */
    static List<String> tokens(SplittableRandom random, String prefix, int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String word = i == 0 ? prefix : WORDS[random.nextInt(WORDS.length)];
            out.add(i == 0 ? word : " " + word);
        }
        return out;
    }

    private static double gaussian(SplittableRandom random) {
        double u1 = Math.max(random.nextDouble(), 1e-12);
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
