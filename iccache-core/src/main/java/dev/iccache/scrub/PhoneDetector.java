package dev.iccache.scrub;

import static dev.iccache.scrub.Ascii.alnum;
import static dev.iccache.scrub.Ascii.at;
import static dev.iccache.scrub.Ascii.digit;

import java.util.List;

/**
 * Phone numbers with 9 to 15 digits (ITU-T E.164 allows at most 15) in three shapes:
 * <ul>
 * <li>international: {@code +} and digit groups separated by single spaces, hyphens or dots, with optional
 * parenthesised groups, e.g. {@code +14155552671}, {@code +44 20 7946 0958}, {@code +1 (555) 123-4567},
 * {@code +44 (0)20 7946 0958} (a {@code (0)} trunk prefix is not counted);
 * <li>North American (NANP): {@code 555-123-4567}, {@code 555.123.4567}, {@code (555) 123-4567},
 * {@code 1-800-555-0199}; the area code starts with 2-9; spaces alone do not join the groups
 * ({@code 256 512 1024} is a list of numbers);
 * <li>national with a trunk prefix: a first group of 2-5 digits starting with {@code 0} (not all zeros), then
 * groups of 2-8 digits, one separator throughout, e.g. {@code 06 12 34 56 78}, {@code 020 7946 0958},
 * {@code (020) 7946 0958}, {@code 030 12345678}.
 * </ul>
 * Not phone numbers: bare digit strings without {@code +} (order numbers, timestamps), groups joined by
 * commas, mixed separators outside the international shape (so {@code 2024-05-01 10:30} is not a phone), and
 * numbers glued to letters, digits or {@code _ . , / + - \ @} on the left or continued by {@code . , - / :}
 * and a digit on the right.
 */
final class PhoneDetector implements Detector {
    private static final int MIN_DIGITS = 9;
    private static final int MAX_DIGITS = 15;
    private static final int MAX_GROUPS = 8;
    private static final String SEPARATORS = " -.";

    @Override
    public void detect(String text, List<Finding> into) {
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            int end = -1;
            if (startAllowed(text, i)) {
                if (c == '+' && digit(at(text, i + 1))) {
                    end = international(text, i);
                } else if (c == '(' && digit(at(text, i + 1))) {
                    end = parenthesised(text, i);
                } else if (digit(c)) {
                    end = national(text, i);
                }
            }
            if (end > 0) {
                into.add(new Finding(PiiKind.PHONE, i, end));
                i = end;
            } else {
                i++;
            }
        }
    }

    private static boolean startAllowed(String text, int i) {
        char before = at(text, i - 1);
        return !alnum(before) && "_.,/+-\\@".indexOf(before) < 0;
    }

    private static boolean endAllowed(String text, int end) {
        char after = at(text, end);
        return !alnum(after) && after != '_' && !(".,-/:".indexOf(after) >= 0 && digit(at(text, end + 1)));
    }

    private static boolean zeros(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    private static int digitsEnd(String text, int i) {
        while (digit(at(text, i))) {
            i++;
        }
        return i;
    }

    /** {@code +} and digit groups; returns the end, or -1 when this is not a phone number. */
    private static int international(String text, int plus) {
        int p = plus + 1;
        int end = -1;
        int digits = 0;
        for (int groups = 0; groups < MAX_GROUPS; groups++) {
            char c = at(text, p);
            if (digit(c)) {
                int q = digitsEnd(text, p);
                digits += q - p;
                p = q;
            } else if (c == '(' && digit(at(text, p + 1))) {
                int q = digitsEnd(text, p + 1);
                if (at(text, q) != ')' || q - p - 1 > 5) {
                    break;
                }
                boolean trunkZero = q - p - 1 == 1 && text.charAt(p + 1) == '0';
                digits += trunkZero ? 0 : q - p - 1;
                p = q + 1;
            } else {
                break;
            }
            end = p;
            if (digits > MAX_DIGITS) {
                return -1;
            }
            char next = at(text, p);
            if (SEPARATORS.indexOf(next) >= 0 && (digit(at(text, p + 1)) || at(text, p + 1) == '(')) {
                p++;
            } else if (next != '(' && !(text.charAt(p - 1) == ')' && digit(next))) {
                break;
            }
        }
        return end > 0 && digits >= MIN_DIGITS && endAllowed(text, end) ? end : -1;
    }

    /** {@code (area) rest}: NANP or a parenthesised trunk prefix; returns the end or -1. */
    private static int parenthesised(String text, int open) {
        int close = digitsEnd(text, open + 1);
        int area = close - open - 1;
        if (area < 2 || area > 5 || at(text, close) != ')') {
            return -1;
        }
        int p = close + 1;
        if (at(text, p) == ' ') {
            p++;
        }
        if (!digit(at(text, p))) {
            return -1;
        }
        Groups rest = Groups.read(text, p);
        if (rest == null || !endAllowed(text, rest.end)) {
            return -1;
        }
        int digits = area + rest.digits();
        char first = text.charAt(open + 1);
        boolean nanp = area == 3 && first >= '2' && first <= '9'
                && (rest.is(3, 4) || rest.is(7));
        boolean trunk = first == '0' && !zeros(text, open + 1, close) && rest.eachBetween(0, 2, 8)
                && digits >= MIN_DIGITS && digits <= MAX_DIGITS;
        return nanp || trunk ? rest.end : -1;
    }

    /** Digit groups with one separator; returns the end or -1. */
    private static int national(String text, int start) {
        Groups g = Groups.read(text, start);
        if (g == null || g.count < 2 || !endAllowed(text, g.end)) {
            return -1;
        }
        int digits = g.digits();
        if (digits < MIN_DIGITS || digits > MAX_DIGITS) {
            return -1;
        }
        char first = text.charAt(start);
        boolean nanp = g.is(3, 3, 4) && g.separator != ' ' && first >= '2' && first <= '9'
                || g.is(1, 3, 3, 4) && first == '1' && text.charAt(start + 2) >= '2' && text.charAt(start + 2) <= '9';
        boolean trunk = first == '0' && g.sizes[0] >= 2 && g.sizes[0] <= 5 && g.eachBetween(1, 2, 8)
                && !zeros(text, start, start + g.sizes[0]);
        return nanp || trunk ? g.end : -1;
    }

    /** Up to {@link #MAX_GROUPS} digit groups joined by one separator character used throughout. */
    private static final class Groups {
        final int[] sizes = new int[MAX_GROUPS];
        int count;
        char separator;
        int end;

        /** The groups starting at digit {@code p}, or null when there are too many. */
        static Groups read(String text, int p) {
            Groups g = new Groups();
            while (true) {
                if (g.count == MAX_GROUPS) {
                    return null;
                }
                int q = digitsEnd(text, p);
                g.sizes[g.count++] = q - p;
                p = q;
                char next = at(text, p);
                if (SEPARATORS.indexOf(next) >= 0 && (g.separator == 0 || g.separator == next)
                        && digit(at(text, p + 1))) {
                    g.separator = next;
                    p++;
                } else {
                    g.end = p;
                    return g;
                }
            }
        }

        int digits() {
            int sum = 0;
            for (int i = 0; i < count; i++) {
                sum += sizes[i];
            }
            return sum;
        }

        boolean is(int... expected) {
            if (expected.length != count) {
                return false;
            }
            for (int i = 0; i < count; i++) {
                if (sizes[i] != expected[i]) {
                    return false;
                }
            }
            return true;
        }

        boolean eachBetween(int from, int min, int max) {
            for (int i = from; i < count; i++) {
                if (sizes[i] < min || sizes[i] > max) {
                    return false;
                }
            }
            return true;
        }
    }
}
