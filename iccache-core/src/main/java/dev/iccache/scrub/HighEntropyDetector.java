package dev.iccache.scrub;

import static dev.iccache.scrub.Ascii.alnum;
import static dev.iccache.scrub.Ascii.at;
import static dev.iccache.scrub.Ascii.digit;
import static dev.iccache.scrub.Ascii.lower;
import static dev.iccache.scrub.Ascii.upper;

import java.util.List;

/**
 * Random-looking strings that are probably credentials of no known shape. A token is a run of
 * {@code [A-Za-z0-9+/_-]} (a {@code .} between two digits included, so {@code Llama-3.1-8B} stays whole) with
 * up to two {@code =} of base64 padding. It is a secret when, padding aside, it
 * <ol>
 * <li>has at least {@value #MIN_LENGTH} characters,
 * <li>has an upper-case and a lower-case letter (so hex digests, UUIDs and single-case names never are),
 * <li>has a Shannon entropy of at least {@value #MIN_ENTROPY} bits per character, and
 * <li>is more likely random than a name: its mean log-likelihood ratio, in bits per character, between an
 * identifier model and uniformly random base64 is below {@value #MAX_NATURALNESS}.
 * </ol>
 * The identifier model is a first-order Markov chain over six character classes (lower-case vowel, lower-case
 * consonant, upper-case vowel, upper-case consonant, digit, separator), with transition probabilities
 * estimated from the 27,045 class names in JDK 25's {@code lib/modules}, and English letter frequencies
 * within the letter classes (Lewand, "Cryptological Mathematics", 2000). A token with {@code /} that is not a
 * secret as a whole is also tested segment by segment, so a random path segment of a URL is found alone.
 * Subresource Integrity hashes ({@code sha384-...}, public by design) are never secrets.
 * Measured detection and false-positive rates are in docs/pii-scrubbing.md.
 */
final class HighEntropyDetector implements Detector {
    static final int MIN_LENGTH = 20;
    static final double MIN_ENTROPY = 3.5;
    static final double MAX_NATURALNESS = -0.6;

    private static final int LOWER_VOWEL = 0;
    private static final int LOWER_CONSONANT = 1;
    private static final int UPPER_VOWEL = 2;
    private static final int UPPER_CONSONANT = 3;
    private static final int DIGIT = 4;
    private static final int SEPARATOR = 5;
    private static final int START = 6;

    /** P(class of next character | class of this one), rows and columns in class order; last row: first character. */
    private static final double[][] TRANSITIONS = {
        {0.084, 0.828, 0.010, 0.029, 0.010, 0.049},
        {0.432, 0.334, 0.015, 0.048, 0.010, 0.168},
        {0.026, 0.743, 0.052, 0.163, 0.013, 0.010},
        {0.581, 0.184, 0.045, 0.167, 0.020, 0.010},
        {0.010, 0.082, 0.037, 0.160, 0.549, 0.171},
        {0.209, 0.535, 0.044, 0.210, 0.010, 0.010},
        {0.150, 0.450, 0.050, 0.200, 0.100, 0.050},
    };

    /** English letter frequencies in percent, a to z. */
    private static final double[] LETTER_FREQUENCY = {8.2, 1.5, 2.8, 4.3, 12.7, 2.2, 2.0, 6.1, 7.0, 0.15, 0.8, 4.0,
        2.4, 6.7, 7.5, 1.9, 0.1, 6.0, 6.3, 9.1, 2.8, 1.0, 2.4, 0.15, 2.0, 0.07};

    /** log2 P(character | its class) under the identifier model, indexed by ASCII code. */
    private static final double[] LOG2_WITHIN_CLASS = withinClass();

    /** log2 of the probability of each character under uniformly random base64. */
    private static final double LOG2_RANDOM = -6;

    @Override
    public void detect(String text, List<Finding> into) {
        int i = 0;
        while (i < text.length()) {
            if (!tokenChar(text, i)) {
                i++;
                continue;
            }
            int end = i;
            while (end < text.length() && tokenChar(text, end)) {
                end++;
            }
            int padded = end;
            while (padded < text.length() && padded - end < 2 && text.charAt(padded) == '=') {
                padded++;
            }
            if (subresourceIntegrity(text, i)) {
                i = padded;
                continue;
            }
            if (secret(text, i, end)) {
                into.add(new Finding(PiiKind.SECRET, i, padded));
            } else if (hasSlash(text, i, end)) {
                segments(text, i, end, into);
            }
            i = padded;
        }
    }

    private static boolean hasSlash(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == '/') {
                return true;
            }
        }
        return false;
    }

    private static void segments(String text, int from, int to, List<Finding> into) {
        int start = from;
        for (int p = from; p <= to; p++) {
            if (p == to || text.charAt(p) == '/') {
                if (secret(text, start, p)) {
                    into.add(new Finding(PiiKind.SECRET, start, p));
                }
                start = p + 1;
            }
        }
    }

    private static boolean tokenChar(String text, int i) {
        char c = text.charAt(i);
        return alnum(c) || c == '+' || c == '/' || c == '_' || c == '-'
                || c == '.' && digit(at(text, i - 1)) && digit(at(text, i + 1));
    }

    /** Whether {@code text[from, to)} is a secret by the rules above. */
    static boolean secret(CharSequence text, int from, int to) {
        if (to - from < MIN_LENGTH) {
            return false;
        }
        boolean hasUpper = false;
        boolean hasLower = false;
        for (int i = from; i < to; i++) {
            hasUpper |= upper(text.charAt(i));
            hasLower |= lower(text.charAt(i));
        }
        return hasUpper && hasLower && entropy(text, from, to) >= MIN_ENTROPY
                && naturalness(text, from, to) < MAX_NATURALNESS;
    }

    /** Whether a W3C Subresource Integrity hash ({@code sha384-...}, public by design) starts at {@code from}. */
    private static boolean subresourceIntegrity(String text, int from) {
        return text.startsWith("sha256-", from) || text.startsWith("sha384-", from) || text.startsWith("sha512-", from);
    }

    /** Shannon entropy of the character distribution of {@code text[from, to)}, in bits per character. */
    static double entropy(CharSequence text, int from, int to) {
        int[] counts = new int[128];
        for (int i = from; i < to; i++) {
            counts[text.charAt(i) & 127]++;
        }
        double bits = 0;
        for (int count : counts) {
            if (count > 0) {
                double p = (double) count / (to - from);
                bits -= p * Math.log(p);
            }
        }
        return bits / Math.log(2);
    }

    /** Mean log2 of P(identifier model) / P(random base64) per character; positive means name-like. */
    static double naturalness(CharSequence text, int from, int to) {
        double bits = 0;
        int previous = START;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            int cls = charClass(c);
            bits += log2(TRANSITIONS[previous][cls]) + LOG2_WITHIN_CLASS[c & 127] - LOG2_RANDOM;
            previous = cls;
        }
        return bits / (to - from);
    }

    private static int charClass(char c) {
        if (lower(c)) {
            return vowel(c) ? LOWER_VOWEL : LOWER_CONSONANT;
        }
        if (upper(c)) {
            return vowel(Character.toLowerCase(c)) ? UPPER_VOWEL : UPPER_CONSONANT;
        }
        return digit(c) ? DIGIT : SEPARATOR;
    }

    private static boolean vowel(char lowerCase) {
        return "aeiou".indexOf(lowerCase) >= 0;
    }

    private static double[] withinClass() {
        double vowels = 0;
        double consonants = 0;
        for (int k = 0; k < 26; k++) {
            if (vowel((char) ('a' + k))) {
                vowels += LETTER_FREQUENCY[k];
            } else {
                consonants += LETTER_FREQUENCY[k];
            }
        }
        double[] log2 = new double[128];
        for (int c = 0; c < 128; c++) {
            char ch = (char) c;
            if (Ascii.letter(ch)) {
                char l = Character.toLowerCase(ch);
                log2[c] = log2(LETTER_FREQUENCY[l - 'a'] / (vowel(l) ? vowels : consonants));
            } else if (digit(ch)) {
                log2[c] = log2(0.1);
            } else {
                log2[c] = log2(0.2);
            }
        }
        return log2;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
