package dev.iccache.scrub;

import static dev.iccache.scrub.Ascii.alnum;
import static dev.iccache.scrub.Ascii.at;
import static dev.iccache.scrub.Ascii.digit;

import java.util.List;

/**
 * Payment card numbers (ISO/IEC 7812): 13 to 19 digits that pass the Luhn check and start with a known
 * issuer prefix: Visa 4; Mastercard 51-55 and 2221-2720; Mir 2200-2204; American Express 34, 37; Diners
 * 300-305, 36, 38, 39; JCB 3528-3589; Maestro 50, 56-58; Discover, UnionPay, RuPay and other 6. Written
 * without separators, or in groups joined by one space or hyphen throughout: 4-4-4-4 (with a last group of
 * 1-4 digits for 13-19 digits), 4-6-5 or 4-6-4. A number followed by further groups (an expiry date, a CVC)
 * is found without them.
 */
final class CardDetector implements Detector {
    private static final int MIN_DIGITS = 13;
    private static final int MAX_DIGITS = 19;

    @Override
    public void detect(String text, List<Finding> into) {
        int i = 0;
        while (i < text.length()) {
            int end = digit(text.charAt(i)) && startAllowed(text, i) ? card(text, i) : -1;
            if (end > 0) {
                into.add(new Finding(PiiKind.CARD, i, end));
                i = end;
            } else {
                i++;
            }
        }
    }

    private static boolean startAllowed(String text, int i) {
        char before = at(text, i - 1);
        return !alnum(before) && "_.,-/".indexOf(before) < 0;
    }

    /** The end of the card number starting at {@code start}, or -1. */
    private static int card(String text, int start) {
        int[] ends = new int[MAX_DIGITS + 1];
        int[] sizes = new int[MAX_DIGITS + 1];
        int groups = 0;
        int digits = 0;
        char separator = 0;
        int p = start;
        while (groups <= MAX_DIGITS) {
            int q = p;
            while (digit(at(text, q))) {
                q++;
            }
            if (digits + q - p > MAX_DIGITS) {
                if (groups == 0) {
                    return -1;
                }
                break;
            }
            sizes[groups] = q - p;
            ends[groups++] = q;
            digits += q - p;
            char next = at(text, q);
            if ((next != ' ' && next != '-') || (separator != 0 && separator != next) || !digit(at(text, q + 1))) {
                break;
            }
            separator = next;
            p = q + 1;
        }
        int total = digits;
        for (int g = groups; g >= 1; g--) {
            int end = ends[g - 1];
            if (total >= MIN_DIGITS && total <= MAX_DIGITS && grouping(sizes, g) && endAllowed(text, end, g < groups)
                    && valid(text, start, end)) {
                return end;
            }
            total -= sizes[g - 1];
        }
        return -1;
    }

    /** Whether the first {@code count} group sizes are one of the printed card layouts. */
    private static boolean grouping(int[] sizes, int count) {
        if (count == 1) {
            return true;
        }
        if (count == 3 && sizes[0] == 4 && sizes[1] == 6 && (sizes[2] == 4 || sizes[2] == 5)) {
            return true;
        }
        for (int g = 0; g < count - 1; g++) {
            if (sizes[g] != 4) {
                return false;
            }
        }
        return count >= 4 && sizes[count - 1] >= 1 && sizes[count - 1] <= 4;
    }

    private static boolean endAllowed(String text, int end, boolean moreGroupsFollow) {
        char after = at(text, end);
        return moreGroupsFollow
                || !alnum(after) && after != '_' && !(".,".indexOf(after) >= 0 && digit(at(text, end + 1)));
    }

    private static boolean valid(String text, int start, int end) {
        StringBuilder digits = new StringBuilder(MAX_DIGITS);
        for (int i = start; i < end; i++) {
            if (digit(text.charAt(i))) {
                digits.append(text.charAt(i));
            }
        }
        return knownIssuer(digits) && luhn(digits);
    }

    static boolean knownIssuer(CharSequence d) {
        int two = (d.charAt(0) - '0') * 10 + d.charAt(1) - '0';
        int three = two * 10 + d.charAt(2) - '0';
        int four = three * 10 + d.charAt(3) - '0';
        return switch (d.charAt(0)) {
            case '2' -> four >= 2200 && four <= 2204 || four >= 2221 && four <= 2720;
            case '3' -> three >= 300 && three <= 305 || two == 34 || two == 36 || two == 37 || two == 38 || two == 39
                    || four >= 3528 && four <= 3589;
            case '4', '6' -> true;
            case '5' -> two >= 50 && two <= 58;
            default -> false;
        };
    }

    /** The Luhn (mod 10) check of ISO/IEC 7812-1 Annex B. */
    static boolean luhn(CharSequence d) {
        int sum = 0;
        for (int i = d.length() - 1, k = 0; i >= 0; i--, k++) {
            int v = d.charAt(i) - '0';
            if (k % 2 == 1) {
                v = v * 2 > 9 ? v * 2 - 9 : v * 2;
            }
            sum += v;
        }
        return sum % 10 == 0;
    }
}
