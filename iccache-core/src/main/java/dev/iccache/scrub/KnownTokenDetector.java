package dev.iccache.scrub;

import static dev.iccache.scrub.Ascii.alnum;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials with a recognisable shape, from the vendors' documented formats (secret scanners such as
 * gitleaks look for the same shapes):
 * <ul>
 * <li>AWS access key ids {@code AKIA}, {@code ASIA}, {@code ABIA} or {@code ACCA} and 16 of {@code [0-9A-Z]};
 * <li>GitHub tokens {@code ghp_}, {@code gho_}, {@code ghu_}, {@code ghs_}, {@code ghr_} and 36 or more
 * alphanumerics, and fine-grained {@code github_pat_} tokens;
 * <li>Slack tokens {@code xoxa-}, {@code xoxb-}, {@code xoxp-}, {@code xoxo-}, {@code xoxr-}, {@code xoxs-};
 * <li>Stripe secret and restricted keys {@code sk_live_}, {@code sk_test_}, {@code rk_live_}, {@code rk_test_};
 * <li>Google API keys {@code AIza} and 35 of {@code [0-9A-Za-z_-]};
 * <li>OpenAI-style keys {@code sk-} and 20 or more of {@code [A-Za-z0-9_-]} with a digit (also Anthropic's
 * {@code sk-ant-...});
 * <li>JSON web tokens (RFC 7519): {@code eyJ...} header, {@code .eyJ...} payload, {@code .} signature;
 * <li>PEM private keys (RFC 7468): {@code -----BEGIN ... PRIVATE KEY-----} through the matching
 * {@code -----END ...-----} line, or through the end of the key body when that line is missing;
 * <li>HTTP credentials (RFC 6750, RFC 7617): the token after {@code Bearer}, {@code bearer} or {@code BEARER}
 * (16 or more characters with a digit; a sentence's final dots are not part of it) and after
 * {@code Authorization: Basic} (any case);
 * <li>the {@code user:password} part of a URL such as {@code https://user:password@host/}.
 * </ul>
 */
final class KnownTokenDetector implements Detector {
    /**
     * A token pattern that starts where one of its literal anchors occurs ({@code offset} characters after it);
     * its group 1, if any, is the secret, otherwise the whole match.
     */
    private record Shape(Pattern pattern, List<String> anchors, int offset, boolean needsDigit) {
        Shape(String regex, List<String> anchors, boolean needsDigit) {
            this(Pattern.compile(regex), anchors, 0, needsDigit);
        }
    }

    private static final List<Shape> SHAPES = List.of(
            new Shape("(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])",
                    List.of("AKIA", "ASIA", "ABIA", "ACCA"), false),
            new Shape("(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}+|github_pat_[A-Za-z0-9_]{22,}+)(?![A-Za-z0-9_])",
                    List.of("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"), false),
            new Shape("(?<![A-Za-z0-9-])xox[abposr]-[A-Za-z0-9-]{10,}+", List.of("xox"), false),
            new Shape("(?<![A-Za-z0-9_])[sr]k_(?:live|test)_[A-Za-z0-9]{16,}+(?![A-Za-z0-9_])",
                    List.of("sk_live_", "sk_test_", "rk_live_", "rk_test_"), false),
            new Shape("(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])", List.of("AIza"), false),
            new Shape("(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}+", List.of("sk-"), true),
            new Shape("(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}+\\.eyJ[A-Za-z0-9_-]{4,}+\\.[A-Za-z0-9_-]*+",
                    List.of("eyJ"), false),
            new Shape("(?i)(?<![A-Za-z0-9_])bearer[ \\t]++([A-Za-z0-9._~+/-]{16,}+=*+)",
                    List.of("Bearer", "bearer", "BEARER"), true),
            new Shape("(?i)(?<![A-Za-z0-9_-])authorization:[ \\t]*+basic[ \\t]++([A-Za-z0-9+/]{8,}+=*+)",
                    List.of("Authorization", "authorization", "AUTHORIZATION"), false),
            new Shape(Pattern.compile("(?<=://)([^\\s/?#@:]{1,128}:[^\\s/?#@]{1,256})@"), List.of("://"), 3, false));

    /** For each pair of ASCII characters ({@code 128 * first + second}), the anchors that start with it. */
    private static final List<List<Map.Entry<String, Shape>>> ANCHORS_BY_PREFIX = anchorsByPrefix();

    private static final Pattern PEM_BEGIN =
            Pattern.compile("-----BEGIN (?:[A-Z0-9]+ ){0,4}?PRIVATE KEY(?: BLOCK)?-----");
    private static final String PEM_END = "-----END ";

    @Override
    public void detect(String text, List<Finding> into) {
        Map<Shape, Matcher> matchers = new HashMap<>();
        for (int i = 0; i + 1 < text.length(); i++) {
            char first = text.charAt(i);
            char second = text.charAt(i + 1);
            if (first >= 128 || second >= 128) {
                continue;
            }
            for (Map.Entry<String, Shape> anchor : ANCHORS_BY_PREFIX.get(first * 128 + second)) {
                if (text.startsWith(anchor.getKey(), i)) {
                    Shape shape = anchor.getValue();
                    Matcher m = matchers.computeIfAbsent(shape,
                            s -> s.pattern().matcher(text).useTransparentBounds(true));
                    m.region(i + shape.offset(), text.length());
                    if (m.lookingAt()) {
                        add(text, m, shape.needsDigit(), into);
                    }
                }
            }
        }
        findPrivateKeys(text, into);
    }

    private static List<List<Map.Entry<String, Shape>>> anchorsByPrefix() {
        List<List<Map.Entry<String, Shape>>> byPrefix = new ArrayList<>(Collections.nCopies(128 * 128, List.of()));
        for (Shape shape : SHAPES) {
            for (String anchor : shape.anchors()) {
                int prefix = anchor.charAt(0) * 128 + anchor.charAt(1);
                List<Map.Entry<String, Shape>> anchors = new ArrayList<>(byPrefix.get(prefix));
                anchors.add(Map.entry(anchor, shape));
                byPrefix.set(prefix, List.copyOf(anchors));
            }
        }
        return List.copyOf(byPrefix);
    }

    private static void add(String text, Matcher m, boolean needsDigit, List<Finding> into) {
        int group = m.groupCount() > 0 ? 1 : 0;
        int start = m.start(group);
        int end = m.end(group);
        while (end > start && text.charAt(end - 1) == '.') {
            end--;
        }
        if (end > start && (!needsDigit || Ascii.digits(text, start, end) > 0)) {
            into.add(new Finding(PiiKind.SECRET, start, end));
        }
    }

    private static void findPrivateKeys(String text, List<Finding> into) {
        Matcher begin = PEM_BEGIN.matcher(text).useTransparentBounds(true);
        int nextEnd = -2;
        int from = 0;
        for (int at = text.indexOf("-----BEGIN ", from); at >= 0; at = text.indexOf("-----BEGIN ", from)) {
            begin.region(at, text.length());
            if (!begin.lookingAt()) {
                from = at + 1;
                continue;
            }
            if (nextEnd != -1 && nextEnd < begin.end()) {
                nextEnd = text.indexOf(PEM_END, begin.end());
            }
            int end;
            if (nextEnd >= 0) {
                int close = text.indexOf("-----", nextEnd + PEM_END.length());
                end = close >= 0 && close - nextEnd < 80 ? close + 5 : nextEnd + PEM_END.length();
            } else {
                end = begin.end();
                while (end < text.length() && keyBody(text.charAt(end))) {
                    end++;
                }
            }
            into.add(new Finding(PiiKind.SECRET, at, end));
            from = end;
        }
    }

    /** Characters of a PEM body and its RFC 1421 header lines ({@code Proc-Type: 4,ENCRYPTED}). */
    private static boolean keyBody(char c) {
        return alnum(c) || "+/=:,- \t\r\n".indexOf(c) >= 0;
    }
}
