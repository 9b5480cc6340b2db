package dev.iccache.scrub;

import static dev.iccache.scrub.Ascii.alnum;
import static dev.iccache.scrub.Ascii.at;
import static dev.iccache.scrub.Ascii.digit;
import static dev.iccache.scrub.Ascii.upper;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * International bank account numbers (ISO 13616): a country code, two check digits and the country's BBAN,
 * with the exact length the SWIFT IBAN registry gives for the country and a valid ISO 7064 mod 97-10 check.
 * Upper case only; written compact ({@code DE89370400440532013000}) or in groups of four separated by
 * single spaces ({@code DE89 3704 0044 0532 0130 00}).
 */
final class IbanDetector implements Detector {
    /** IBAN length by country, as listed in the SWIFT IBAN registry in 2024. */
    private static final Map<String, Integer> LENGTHS = lengths("AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 "
            + "BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 "
            + "GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 "
            + "MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 "
            + "SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30");

    @Override
    public void detect(String text, List<Finding> into) {
        int i = 0;
        while (i < text.length()) {
            int end = upper(text.charAt(i)) && !alnum(at(text, i - 1)) ? iban(text, i) : -1;
            if (end > 0) {
                into.add(new Finding(PiiKind.IBAN, i, end));
                i = end;
            } else {
                i++;
            }
        }
    }

    private static int iban(String text, int start) {
        if (!upper(at(text, start + 1)) || !digit(at(text, start + 2)) || !digit(at(text, start + 3))) {
            return -1;
        }
        Integer length = LENGTHS.get(text.substring(start, start + 2));
        if (length == null) {
            return -1;
        }
        boolean grouped = at(text, start + 4) == ' ';
        StringBuilder compact = new StringBuilder(length);
        int p = start;
        while (compact.length() < length) {
            if (grouped && compact.length() > 0 && compact.length() % 4 == 0) {
                if (at(text, p) != ' ') {
                    return -1;
                }
                p++;
            }
            char c = at(text, p);
            if (!upper(c) && !digit(c)) {
                return -1;
            }
            compact.append(c);
            p++;
        }
        return alnum(at(text, p)) || !mod97(compact) ? -1 : p;
    }

    /** ISO 7064 mod 97-10 over the IBAN with its first four characters moved to the end; valid when 1. */
    static boolean mod97(CharSequence iban) {
        int remainder = 0;
        for (int k = 0; k < iban.length(); k++) {
            char c = iban.charAt((k + 4) % iban.length());
            int value = digit(c) ? c - '0' : c - 'A' + 10;
            remainder = (value >= 10 ? remainder * 100 : remainder * 10) + value;
            remainder %= 97;
        }
        return remainder == 1;
    }

    private static Map<String, Integer> lengths(String table) {
        Map<String, Integer> lengths = new HashMap<>();
        for (String entry : table.split(" ")) {
            lengths.put(entry.substring(0, 2), Integer.parseInt(entry.substring(2)));
        }
        return Map.copyOf(lengths);
    }
}
