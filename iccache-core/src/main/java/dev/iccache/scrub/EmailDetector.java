package dev.iccache.scrub;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * E-mail addresses in the practical subset of RFC 5322 §3.4.1 that people type: a local part of up to 64
 * characters from {@code A-Z a-z 0-9 . _ % + -} (leading dots dropped), {@code @}, then dot-separated domain
 * labels (RFC 1035 letters, digits and inner hyphens, at most 63 each) ending in an alphabetic top-level
 * domain of 2-24 letters. Quoted local parts, IP-literal domains and non-ASCII addresses are not matched.
 * Retina image names such as {@code icon@2x.png} are not addresses: a "top-level domain" that is an image
 * file extension is rejected, and so is the {@code password@host} of a URL such as
 * {@code https://user:password@host} (the credentials are a secret; the host stays).
 */
final class EmailDetector implements Detector {
    private static final int MAX_LOCAL = 64;
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.){1,8}([A-Za-z]{2,24})(?![A-Za-z0-9-])");
    private static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "svg", "webp", "bmp",
            "ico", "avif");

    @Override
    public void detect(String text, List<Finding> into) {
        Matcher domain = DOMAIN.matcher(text).useTransparentBounds(true);
        for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
            int start = at;
            while (start > 0 && at - start < MAX_LOCAL && local(text.charAt(start - 1))) {
                start--;
            }
            if (start > 0 && local(text.charAt(start - 1))) {
                continue;
            }
            while (start < at && text.charAt(start) == '.') {
                start++;
            }
            domain.region(at + 1, text.length());
            if (start < at && !urlPassword(text, start) && domain.lookingAt()
                    && !IMAGE_EXTENSIONS.contains(domain.group(1).toLowerCase(Locale.ROOT))) {
                into.add(new Finding(PiiKind.EMAIL, start, domain.end()));
            }
        }
    }

    /** Whether the local part starting at {@code start} is the password of {@code scheme://user:password@host}. */
    private static boolean urlPassword(String text, int start) {
        if (start == 0 || text.charAt(start - 1) != ':') {
            return false;
        }
        for (int p = start - 2; p >= 2 && start - p <= 130; p--) {
            char c = text.charAt(p);
            if (c == '/' && text.charAt(p - 1) == '/' && text.charAt(p - 2) == ':') {
                return true;
            }
            if (Character.isWhitespace(c) || c == '/' || c == '@') {
                return false;
            }
        }
        return false;
    }

    private static boolean local(char c) {
        return Ascii.alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
    }
}
