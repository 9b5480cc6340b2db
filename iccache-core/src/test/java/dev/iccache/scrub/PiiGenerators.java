package dev.iccache.scrub;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Random personal data and secrets in the formats the scrubber promises to find, and ordinary text to plant
 * them in. Check digits (Luhn, mod 97) are computed here independently of the detectors.
 */
final class PiiGenerators {
    private PiiGenerators() {
    }

    static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    static final String DIGITS = "0123456789";
    static final String BASE62 = UPPER + LOWER + DIGITS;

    /** A planted value with the context that introduces it; only {@code value} is expected to be masked. */
    record Pii(PiiKind kind, String prefix, String value, String suffix) {
        Pii(PiiKind kind, String value) {
            this(kind, "", value, "");
        }
    }

    /** One generated format. */
    enum Shape {
        EMAIL(PiiGenerators::email),
        PHONE(PiiGenerators::phone),
        CARD(PiiGenerators::card),
        IBAN(PiiGenerators::iban),
        SSN(r -> new Pii(PiiKind.NATIONAL_ID, ssn(r))),
        NINO(PiiGenerators::nino),
        IPV4(r -> new Pii(PiiKind.IP_ADDRESS, ipv4(r))),
        IPV6(PiiGenerators::ipv6),
        AWS_KEY(r -> new Pii(PiiKind.SECRET, "AKIA" + chars(r, UPPER + DIGITS, 16))),
        GITHUB_TOKEN(r -> new Pii(PiiKind.SECRET, r.nextBoolean() ? "ghp_" + chars(r, BASE62, 36)
                : "github_pat_" + chars(r, BASE62, 22) + "_" + chars(r, BASE62, 59))),
        SLACK_TOKEN(r -> new Pii(PiiKind.SECRET, "xox" + pick(r, "b", "p", "a") + "-" + chars(r, DIGITS, 12) + "-"
                + chars(r, DIGITS, 13) + "-" + chars(r, BASE62, 24))),
        STRIPE_KEY(r -> new Pii(PiiKind.SECRET, pick(r, "sk_live_", "rk_live_", "sk_test_") + chars(r, BASE62, 24))),
        GOOGLE_KEY(r -> new Pii(PiiKind.SECRET, "AIza" + chars(r, BASE62 + "_-", 35))),
        OPENAI_KEY(r -> new Pii(PiiKind.SECRET, pick(r, "sk-", "sk-proj-") + chars(r, BASE62 + "_-", 48))),
        JWT(r -> new Pii(PiiKind.SECRET, jwt(r))),
        PRIVATE_KEY(r -> new Pii(PiiKind.SECRET, privateKey(r))),
        BEARER(r -> new Pii(PiiKind.SECRET, "Authorization: Bearer ", chars(r, BASE62 + "_-", 40), "")),
        PASSWORD(PiiGenerators::password),
        RANDOM_TOKEN(r -> new Pii(PiiKind.SECRET,
                chars(r, BASE62 + (r.nextBoolean() ? "+/" : ""), 40 + r.nextInt(25))));

        private final Function<SplittableRandom, Pii> generator;

        Shape(Function<SplittableRandom, Pii> generator) {
            this.generator = generator;
        }

        Pii generate(SplittableRandom random) {
            return generator.apply(random);
        }
    }

    /** Ordinary words that none of the detectors should react to. */
    static final List<String> WORDS = List.of("the", "a", "of", "and", "to", "in", "is", "it", "that", "for", "on",
            "with", "as", "was", "at", "by", "this", "from", "or", "have", "an", "they", "which", "one", "you", "were",
            "her", "all", "she", "there", "would", "their", "we", "him", "been", "has", "when", "who", "will", "more",
            "no", "if", "out", "so", "said", "what", "up", "its", "about", "into", "than", "them", "can", "only",
            "other", "new", "some", "could", "time", "these", "two", "may", "then", "do", "first", "any", "my", "now",
            "such", "like", "our", "over", "man", "me", "even", "most", "made", "after", "also", "did", "many",
            "before", "must", "through", "back", "years", "where", "much", "your", "way", "well", "down", "should",
            "because", "each", "just", "those", "people", "how", "too", "little", "state", "good", "very", "make",
            "world", "still", "own", "see", "men", "work", "long", "get", "here", "between", "both", "life", "being",
            "under", "never", "day", "same", "another", "know", "while", "last", "might", "us", "great", "old",
            "year", "off", "come", "since", "against", "go", "came", "right", "used", "take", "three", "invoice",
            "meeting", "customer", "order", "shipping", "address", "please", "thanks", "contact", "account", "bank",
            "transfer", "server", "login", "deploy", "config", "database", "question", "answer", "summary", "report",
            "Monday", "Paris", "London", "Berlin", "Python", "Java", "Kubernetes", "Docker", "GitHub", "OpenAI");

    /** A sentence of 3 to 12 ordinary words, capitalised, with a final full stop. */
    static String sentence(SplittableRandom r) {
        int n = 3 + r.nextInt(10);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String w = WORDS.get(r.nextInt(WORDS.size()));
            s.append(i == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : " " + w);
        }
        return s.append('.').toString();
    }

    static String pick(SplittableRandom r, String... options) {
        return options[r.nextInt(options.length)];
    }

    static String chars(SplittableRandom r, String alphabet, int n) {
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static String digits(SplittableRandom r, int n) {
        return chars(r, DIGITS, n);
    }

    private static String word(SplittableRandom r) {
        String w;
        do {
            w = WORDS.get(r.nextInt(WORDS.size())).toLowerCase(Locale.ROOT);
        } while (w.length() < 2);
        return w;
    }

    private static Pii email(SplittableRandom r) {
        String local = word(r) + pick(r, ".", "_", "+", "-", "")
                + (r.nextBoolean() ? word(r) : digits(r, 1 + r.nextInt(4)));
        String domain = pick(r, "", word(r) + ".") + word(r) + digits(r, r.nextInt(3)) + "."
                + pick(r, "com", "org", "net", "io", "de", "fr", "co.uk", "example");
        String address = local + "@" + domain;
        return new Pii(PiiKind.EMAIL, r.nextInt(4) == 0 ? address.toUpperCase(Locale.ROOT) : address);
    }

    private static Pii phone(SplittableRandom r) {
        String n3 = (char) ('2' + r.nextInt(8)) + digits(r, 2);
        String x3 = digits(r, 3);
        String x4 = digits(r, 4);
        String fr = "0" + (char) ('1' + r.nextInt(9)) + " " + digits(r, 2) + " " + digits(r, 2) + " "
                + digits(r, 2) + " " + digits(r, 2);
        String value = switch (r.nextInt(16)) {
            case 0 -> "+1 " + n3 + " " + x3 + " " + x4;
            case 1 -> "+1-" + n3 + "-" + x3 + "-" + x4;
            case 2 -> "+1 (" + n3 + ") " + x3 + "-" + x4;
            case 3 -> "(" + n3 + ") " + x3 + "-" + x4;
            case 4 -> n3 + "-" + x3 + "-" + x4;
            case 5 -> n3 + "." + x3 + "." + x4;
            case 6 -> "1-" + n3 + "-" + x3 + "-" + x4;
            case 7 -> "+44 20 " + digits(r, 4) + " " + digits(r, 4);
            case 8 -> "+44 7" + digits(r, 3) + " " + digits(r, 6);
            case 9 -> "020 " + digits(r, 4) + " " + digits(r, 4);
            case 10 -> "07" + digits(r, 3) + " " + digits(r, 6);
            case 11 -> fr;
            case 12 -> "+33 " + (char) ('1' + r.nextInt(9)) + " " + digits(r, 2) + " " + digits(r, 2) + " "
                    + digits(r, 2) + " " + digits(r, 2);
            case 13 -> "+49 30 " + digits(r, 8);
            case 14 -> "+" + (char) ('1' + r.nextInt(9)) + digits(r, 10 + r.nextInt(3));
            default -> "+91 " + (char) ('6' + r.nextInt(4)) + digits(r, 4) + " " + digits(r, 5);
        };
        return new Pii(PiiKind.PHONE, value);
    }

    /** Printed layouts: Visa 16, Visa 13, Mastercard 51-55, Mastercard 2221-2720, Amex, Diners, Discover, UnionPay. */
    private static final int[][] CARD_LAYOUTS = {{4, 4, 4, 4}, {4, 4, 4, 1}, {4, 4, 4, 4}, {4, 4, 4, 4}, {4, 6, 5},
        {4, 6, 4}, {4, 4, 4, 4}, {4, 4, 4, 4, 3}};

    private static Pii card(SplittableRandom r) {
        int brand = r.nextInt(CARD_LAYOUTS.length);
        String prefix = switch (brand) {
            case 0, 1 -> "4";
            case 2 -> "5" + (1 + r.nextInt(5));
            case 3 -> String.valueOf(2221 + r.nextInt(500));
            case 4 -> pick(r, "34", "37");
            case 5 -> "36";
            case 6 -> "6011";
            default -> "62";
        };
        int[] layout = CARD_LAYOUTS[brand];
        int length = IntStream.of(layout).sum();
        String body = prefix + digits(r, length - prefix.length() - 1);
        String number = body + luhnCheckDigit(body);
        String separator = pick(r, "", " ", "-");
        StringBuilder value = new StringBuilder();
        int p = 0;
        for (int g = 0; g < layout.length; g++) {
            value.append(g > 0 ? separator : "").append(number, p, p + layout[g]);
            p += layout[g];
        }
        return new Pii(PiiKind.CARD, value.toString());
    }

    /** The digit that makes {@code body + digit} pass the Luhn check. */
    static int luhnCheckDigit(String body) {
        int sum = 0;
        for (int i = body.length() - 1, k = 0; i >= 0; i--, k++) {
            int d = body.charAt(i) - '0';
            if (k % 2 == 0) {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }
            sum += d;
        }
        return (10 - sum % 10) % 10;
    }

    private static Pii iban(SplittableRandom r) {
        String alnum = UPPER + DIGITS;
        String[] country = switch (r.nextInt(7)) {
            case 0 -> new String[] {"DE", digits(r, 18)};
            case 1 -> new String[] {"GB", chars(r, UPPER, 4) + digits(r, 14)};
            case 2 -> new String[] {"FR", digits(r, 10) + chars(r, alnum, 11) + digits(r, 2)};
            case 3 -> new String[] {"NL", chars(r, UPPER, 4) + digits(r, 10)};
            case 4 -> new String[] {"ES", digits(r, 20)};
            case 5 -> new String[] {"IT", chars(r, UPPER, 1) + digits(r, 10) + chars(r, alnum, 12)};
            default -> new String[] {"CH", digits(r, 5) + chars(r, alnum, 12)};
        };
        String iban = country[0] + ibanCheckDigits(country[0], country[1]) + country[1];
        if (r.nextBoolean()) {
            return new Pii(PiiKind.IBAN, iban);
        }
        StringBuilder grouped = new StringBuilder();
        for (int i = 0; i < iban.length(); i += 4) {
            grouped.append(i > 0 ? " " : "").append(iban, i, Math.min(iban.length(), i + 4));
        }
        return new Pii(PiiKind.IBAN, grouped.toString());
    }

    /** The two check digits of an IBAN (ISO 13616): 98 minus (BBAN, country, "00" as a number) mod 97. */
    static String ibanCheckDigits(String country, String bban) {
        StringBuilder numeric = new StringBuilder();
        for (char c : (bban + country + "00").toCharArray()) {
            numeric.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
        }
        int check = 98 - new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97)).intValue();
        return String.format(Locale.ROOT, "%02d", check);
    }

    static String ssn(SplittableRandom r) {
        int area;
        do {
            area = 1 + r.nextInt(899);
        } while (area == 666);
        return String.format(Locale.ROOT, "%03d-%02d-%04d", area, 1 + r.nextInt(99), 1 + r.nextInt(9999));
    }

    private static Pii nino(SplittableRandom r) {
        String first = "ABCEGHJKLMNOPRSTWXYZ";
        String second = "ABCEGHJKLMNPRSTWXYZ";
        String prefix;
        do {
            prefix = chars(r, first, 1) + chars(r, second, 1);
        } while (List.of("BG", "GB", "KN", "NK", "NT", "TN", "ZZ").contains(prefix));
        String suffix = chars(r, "ABCD", 1);
        return new Pii(PiiKind.NATIONAL_ID, r.nextBoolean()
                ? prefix + digits(r, 6) + suffix
                : prefix + " " + digits(r, 2) + " " + digits(r, 2) + " " + digits(r, 2) + " " + suffix);
    }

    static String ipv4(SplittableRandom r) {
        int first;
        do {
            first = 1 + r.nextInt(223);
        } while (first == 127);
        return first + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
    }

    private static Pii ipv6(SplittableRandom r) {
        String[] groups = new String[8];
        groups[0] = pick(r, "2001", "2a00", "2607", "fe80", "fd12", "2a02");
        for (int i = 1; i < 8; i++) {
            groups[i] = Integer.toHexString(r.nextInt(0x10000));
        }
        String value;
        if (r.nextBoolean()) {
            StringBuilder full = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                full.append(i > 0 ? ":" : "").append("0000".substring(groups[i].length())).append(groups[i]);
            }
            value = full.toString();
        } else {
            int head = 1 + r.nextInt(3);
            int tail = 1 + r.nextInt(7 - head);
            value = String.join(":", List.of(groups).subList(0, head)) + "::"
                    + String.join(":", List.of(groups).subList(8 - tail, 8));
        }
        return new Pii(PiiKind.IP_ADDRESS, r.nextInt(4) == 0 ? value.toUpperCase(Locale.ROOT) : value);
    }

    private static String jwt(SplittableRandom r) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"alg\":\"" + pick(r, "HS256", "RS256", "ES256") + "\",\"typ\":\"JWT\"}";
        String payload = "{\"sub\":\"" + digits(r, 8) + "\",\"name\":\"" + word(r) + "\",\"iat\":"
                + digits(r, 10) + "}";
        return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + chars(r, BASE62 + "_-", 43);
    }

    private static String privateKey(SplittableRandom r) {
        String type = pick(r, "RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
                "ENCRYPTED PRIVATE KEY");
        StringBuilder key = new StringBuilder("-----BEGIN " + type + "-----\n");
        for (int line = 2 + r.nextInt(4); line > 0; line--) {
            key.append(chars(r, BASE62 + "+/", 64)).append('\n');
        }
        return key.append(chars(r, BASE62, 20)).append("==\n-----END ").append(type).append("-----").toString();
    }

    private static Pii password(SplittableRandom r) {
        String value = chars(r, BASE62, 1) + chars(r, BASE62 + "!@%^*-_+=", 6 + r.nextInt(10)) + digits(r, 1);
        return switch (r.nextInt(5)) {
            case 0 -> new Pii(PiiKind.SECRET, "password=", value, "");
            case 1 -> new Pii(PiiKind.SECRET, "DB_PASSWORD: ", value, "");
            case 2 -> new Pii(PiiKind.SECRET, "\"password\": \"", value, "\"");
            case 3 -> new Pii(PiiKind.SECRET, "api_key = '", value, "'");
            default -> new Pii(PiiKind.SECRET, "export GITHUB_TOKEN=", value, "");
        };
    }
}
