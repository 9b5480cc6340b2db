package dev.iccache.scrub;

import static dev.iccache.scrub.Ascii.alnum;
import static dev.iccache.scrub.Ascii.at;
import static dev.iccache.scrub.Ascii.digit;
import static dev.iccache.scrub.Ascii.hex;
import static dev.iccache.scrub.Ascii.letter;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * IP addresses:
 * <ul>
 * <li>IPv4 in dotted-decimal (RFC 791): four octets 0-255 without leading zeros. Not addresses: a fifth
 * dotted part, a {@code -letter} suffix ({@code 1.2.3.4-beta}), a {@code name/} before it
 * ({@code Chrome/120.0.0.0}), a PEP 440 version specifier before it ({@code opencv-python==4.5.3.62}, also
 * {@code >=}, {@code <=}, {@code ~=}, {@code !=}), or a version word before it ({@code version 1.2.3.4},
 * also {@code v}, {@code ver}, {@code release}, {@code build}, {@code rev}, {@code revision},
 * {@code firmware}). Addresses that identify no one are skipped: 0.x.x.x, loopback 127.x.x.x, 240-255.x.x.x
 * (reserved, broadcast and netmasks such as 255.255.255.0) and networks in CIDR notation ending in
 * {@code .0/}, such as {@code 10.0.0.0/8}.
 * <li>IPv6 in the text forms of RFC 4291 §2.2: eight groups of 1-4 hex digits, one {@code ::} for a run of
 * zero groups, optionally a dotted IPv4 tail; with at least one decimal digit (so {@code dead::beef} and
 * C++ names are not addresses) and, when compressed, a group of 3 or more characters (so Python slices such as
 * {@code a[1::2]} are not addresses). {@code ::} and {@code ::1} are skipped.
 * </ul>
 */
final class IpAddressDetector implements Detector {
    private static final Set<String> VERSION_WORDS = Set.of("v", "ver", "version", "release", "build", "rev",
            "revision", "firmware");

    @Override
    public void detect(String text, List<Finding> into) {
        findIpv4(text, into);
        findIpv6(text, into);
    }

    private static void findIpv4(String text, List<Finding> into) {
        int i = 0;
        while (i < text.length()) {
            int end = digit(text.charAt(i)) && !alnum(at(text, i - 1)) && at(text, i - 1) != '.' ? ipv4(text, i) : -1;
            if (end > 0 && personal(text, i) && !network(text, end) && !afterVersionWord(text, i)
                    && !afterProductName(text, i)) {
                into.add(new Finding(PiiKind.IP_ADDRESS, i, end));
                i = end;
            } else {
                i++;
            }
        }
    }

    /** The end of a dotted quad starting at {@code start} and standing alone, or -1. */
    private static int ipv4(String text, int start) {
        int p = octets(text, start, 4);
        if (p < 0) {
            return -1;
        }
        char after = at(text, p);
        boolean continued = alnum(after) || after == '_' || after == '.' && digit(at(text, p + 1))
                || after == '-' && letter(at(text, p + 1));
        return continued ? -1 : p;
    }

    /** The end of {@code count} dot-separated decimal octets starting at {@code p}, or -1. */
    private static int octets(CharSequence text, int p, int count) {
        for (int k = 0; k < count; k++) {
            if (k > 0) {
                if (at(text, p) != '.') {
                    return -1;
                }
                p++;
            }
            int q = p;
            while (digit(at(text, q)) && q - p < 4) {
                q++;
            }
            int len = q - p;
            if (len == 0 || len > 3 || len > 1 && text.charAt(p) == '0'
                    || Integer.parseInt(text, p, q, 10) > 255) {
                return -1;
            }
            p = q;
        }
        return p;
    }

    private static boolean personal(String text, int start) {
        int firstEnd = start;
        while (digit(text.charAt(firstEnd))) {
            firstEnd++;
        }
        int first = Integer.parseInt(text, start, firstEnd, 10);
        return first != 0 && first != 127 && first < 240;
    }

    /** Whether the address ending at {@code end} is a network in CIDR notation, such as {@code 10.0.0.0/8}. */
    private static boolean network(String text, int end) {
        return text.charAt(end - 1) == '0' && text.charAt(end - 2) == '.' && at(text, end) == '/'
                && digit(at(text, end + 1));
    }

    private static boolean afterVersionWord(String text, int start) {
        int p = start - 1;
        while (p >= 0 && start - p <= 3 && " \t:=".indexOf(text.charAt(p)) >= 0) {
            p--;
        }
        int wordEnd = p + 1;
        while (p >= 0 && wordEnd - p <= 8 && letter(text.charAt(p))) {
            p--;
        }
        return wordEnd - p > 1 && !letter(at(text, p))
                && VERSION_WORDS.contains(text.substring(p + 1, wordEnd).toLowerCase(Locale.ROOT));
    }

    /** Whether a product name ({@code Chrome/}) or a version specifier ({@code opencv-python==}) comes before. */
    private static boolean afterProductName(String text, int start) {
        char before = at(text, start - 1);
        return before == '/' && alnum(at(text, start - 2))
                || before == '=' && "=<>~!".indexOf(at(text, start - 2)) >= 0;
    }

    private static void findIpv6(String text, List<Finding> into) {
        int i = 0;
        while (i < text.length()) {
            if (!ipv6Char(text.charAt(i)) || alnum(at(text, i - 1)) || at(text, i - 1) == '_') {
                i++;
                continue;
            }
            int end = i;
            int colons = 0;
            while (ipv6Char(at(text, end))) {
                colons += text.charAt(end) == ':' ? 1 : 0;
                end++;
            }
            int runEnd = end;
            while (end > i && text.charAt(end - 1) == '.') {
                end--;
            }
            if (end - i >= 2 && text.charAt(end - 1) == ':' && text.charAt(end - 2) != ':') {
                end--;
            }
            if (colons >= 2 && !alnum(at(text, runEnd)) && at(text, runEnd) != '_' && ipv6(text.substring(i, end))) {
                into.add(new Finding(PiiKind.IP_ADDRESS, i, end));
            }
            i = runEnd;
        }
    }

    private static boolean ipv6Char(char c) {
        return hex(c) || c == ':' || c == '.';
    }

    /** Whether {@code s} is an IPv6 address in RFC 4291 text form, other than {@code ::} and {@code ::1}. */
    static boolean ipv6(String s) {
        if (s.equals("::") || s.equals("::1") || s.chars().noneMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return false;
        }
        if (gap < 0) {
            return groups(s, true) == 8;
        }
        int head = gap == 0 ? 0 : groups(s.substring(0, gap), false);
        int tail = gap + 2 == s.length() ? 0 : groups(s.substring(gap + 2), true);
        return head >= 0 && tail >= 0 && head + tail <= 7 && hasLongGroup(s);
    }

    /** Whether a colon-separated part has 3 or more characters (so {@code [1::2]} is a slice, not an address). */
    private static boolean hasLongGroup(String s) {
        for (String part : s.split(":")) {
            if (part.length() >= 3) {
                return true;
            }
        }
        return false;
    }

    /** The number of 16-bit groups in a colon-separated list (a dotted IPv4 tail, if allowed, counts two), or -1. */
    private static int groups(String s, boolean ipv4Tail) {
        String[] parts = s.split(":", -1);
        int count = 0;
        for (int k = 0; k < parts.length; k++) {
            String part = parts[k];
            if (ipv4Tail && k == parts.length - 1 && part.indexOf('.') >= 0) {
                if (octets(part, 0, 4) != part.length()) {
                    return -1;
                }
                count += 2;
            } else if (part.isEmpty() || part.length() > 4 || !part.chars().allMatch(c -> hex((char) c))) {
                return -1;
            } else {
                count++;
            }
        }
        return count;
    }
}
