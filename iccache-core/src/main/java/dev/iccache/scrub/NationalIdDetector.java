package dev.iccache.scrub;

import static dev.iccache.scrub.Ascii.alnum;
import static dev.iccache.scrub.Ascii.at;
import static dev.iccache.scrub.Ascii.digit;

import java.util.List;
import java.util.Set;

/**
 * National identity numbers:
 * <ul>
 * <li>US social security numbers written {@code AAA-GG-SSSS}, without the never-issued area numbers 000, 666
 * and 900-999, group 00 or serial 0000 (SSA, "Social Security Number Randomization", 2011);
 * <li>UK national insurance numbers {@code AB123456C} or {@code AB 12 34 56 C}: two prefix letters (the
 * first not D, F, I, Q, U or V, the second not D, F, I, O, Q, U or V, and not BG, GB, KN, NK, NT, TN or ZZ),
 * six digits and a suffix A-D (HMRC National Insurance Manual, NIM39110).
 * </ul>
 * Neither may be glued to letters or digits; an SSN also not to {@code _} or {@code -}.
 */
final class NationalIdDetector implements Detector {
    private static final String NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ";
    private static final String NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ";
    private static final Set<String> UNUSED_NINO_PREFIXES = Set.of("BG", "GB", "KN", "NK", "NT", "TN", "ZZ");

    @Override
    public void detect(String text, List<Finding> into) {
        for (int dash = text.indexOf('-'); dash >= 0; dash = text.indexOf('-', dash + 1)) {
            if (ssn(text, dash - 3)) {
                into.add(new Finding(PiiKind.NATIONAL_ID, dash - 3, dash + 8));
            }
        }
        for (int i = 0; i + 9 <= text.length(); i++) {
            int end = nino(text, i);
            if (end > 0) {
                into.add(new Finding(PiiKind.NATIONAL_ID, i, end));
                i = end - 1;
            }
        }
    }

    /** Whether an SSN starts at {@code s}. */
    private static boolean ssn(String text, int s) {
        if (s < 0 || !digits(text, s, 3) || !digits(text, s + 4, 2) || at(text, s + 6) != '-'
                || !digits(text, s + 7, 4)) {
            return false;
        }
        char before = at(text, s - 1);
        char after = at(text, s + 11);
        if (alnum(before) || before == '_' || before == '-' || alnum(after) || after == '_'
                || after == '-' && digit(at(text, s + 12))) {
            return false;
        }
        int area = Integer.parseInt(text, s, s + 3, 10);
        return area != 0 && area != 666 && area < 900 && !text.startsWith("00", s + 4)
                && !text.startsWith("0000", s + 7);
    }

    /** The end of a NINO starting at {@code s}, or -1. */
    private static int nino(String text, int s) {
        char first = text.charAt(s);
        if (NINO_FIRST.indexOf(first) < 0 || NINO_SECOND.indexOf(at(text, s + 1)) < 0 || alnum(at(text, s - 1))
                || UNUSED_NINO_PREFIXES.contains(text.substring(s, s + 2))) {
            return -1;
        }
        boolean spaced = at(text, s + 2) == ' ';
        int p = s + 2;
        for (int pair = 0; pair < 3; pair++) {
            if (spaced && at(text, p++) != ' ' || !digits(text, p, 2)) {
                return -1;
            }
            p += 2;
        }
        if (spaced && at(text, p++) != ' ') {
            return -1;
        }
        char suffix = at(text, p);
        return suffix >= 'A' && suffix <= 'D' && !alnum(at(text, p + 1)) ? p + 1 : -1;
    }

    private static boolean digits(String text, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (!digit(at(text, i))) {
                return false;
            }
        }
        return true;
    }
}
