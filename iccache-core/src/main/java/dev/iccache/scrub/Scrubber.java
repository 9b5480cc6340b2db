package dev.iccache.scrub;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Finds personal data and secrets in text and masks them with typed placeholders such as {@code [EMAIL]}.
 * Admission runs it over every text of an example before the example enters the bank; the formats, the
 * policy and the known limits are in docs/pii-scrubbing.md.
 *
 * <p>Overlapping findings merge into one finding that spans all of them, so every character any detector
 * found is masked. The merged finding takes the kind of its longest member; among equally long members, the
 * more specific kind in the order CARD, IBAN, NATIONAL_ID, SECRET, EMAIL, IP_ADDRESS, PHONE. Findings that
 * only touch stay apart.
 *
 * <p>Thread-safe; time linear in the length of the text (no detector backtracks more than a bounded amount).
 */
public final class Scrubber {
    /** Ties between equally long overlapping findings go to the kind listed first. */
    private static final List<PiiKind> SPECIFICITY = List.of(PiiKind.CARD, PiiKind.IBAN, PiiKind.NATIONAL_ID,
            PiiKind.SECRET, PiiKind.EMAIL, PiiKind.IP_ADDRESS, PiiKind.PHONE);
    private static final Comparator<Finding> WINNER = Comparator.comparingInt((Finding f) -> f.end() - f.start())
            .reversed().thenComparingInt(f -> SPECIFICITY.indexOf(f.kind())).thenComparingInt(Finding::start);

    private final ScrubPolicy policy;
    private final List<Detector> detectors;

    private Scrubber(ScrubPolicy policy, List<Detector> detectors) {
        this.policy = policy;
        this.detectors = List.copyOf(detectors);
    }

    /** A scrubber that looks for the settings' kinds and follows their policy. */
    public static Scrubber from(ScrubberSettings settings) {
        List<Detector> detectors = new ArrayList<>();
        if (settings.policy() != ScrubPolicy.OFF) {
            for (PiiKind kind : settings.kinds()) {
                detectors.addAll(detectorsOf(kind));
            }
        }
        return new Scrubber(settings.policy(), detectors);
    }

    private static List<Detector> detectorsOf(PiiKind kind) {
        return switch (kind) {
            case EMAIL -> List.of(new EmailDetector());
            case PHONE -> List.of(new PhoneDetector());
            case CARD -> List.of(new CardDetector());
            case IBAN -> List.of(new IbanDetector());
            case NATIONAL_ID -> List.of(new NationalIdDetector());
            case IP_ADDRESS -> List.of(new IpAddressDetector());
            case SECRET -> List.of(new KnownTokenDetector(), new AssignmentDetector(), new HighEntropyDetector());
        };
    }

    /** What admission does with an example whose texts have findings. */
    public ScrubPolicy policy() {
        return policy;
    }

    /**
     * Finds personal data and secrets in {@code text} and masks each finding with its kind's placeholder.
     * Under {@link ScrubPolicy#OFF} nothing is looked for and the text comes back unchanged. Under
     * {@link ScrubPolicy#DROP} the result is the same as under MASK; the caller drops the example when
     * {@link ScrubResult#found()}.
     */
    public ScrubResult scrub(String text) {
        Objects.requireNonNull(text, "text");
        List<Finding> raw = new ArrayList<>();
        for (Detector detector : detectors) {
            detector.detect(text, raw);
        }
        if (raw.isEmpty()) {
            return new ScrubResult(text, List.of());
        }
        List<Finding> findings = merge(raw);
        StringBuilder masked = new StringBuilder(text.length());
        int copied = 0;
        for (Finding f : findings) {
            masked.append(text, copied, f.start()).append(f.kind().placeholder());
            copied = f.end();
        }
        masked.append(text, copied, text.length());
        return new ScrubResult(masked.toString(), findings);
    }

    /** Merges overlapping findings as described in the class comment; the result is sorted and disjoint. */
    static List<Finding> merge(List<Finding> raw) {
        List<Finding> sorted = new ArrayList<>(raw);
        sorted.sort(Comparator.comparingInt(Finding::start));
        List<Finding> merged = new ArrayList<>();
        int i = 0;
        while (i < sorted.size()) {
            Finding winner = sorted.get(i);
            int end = winner.end();
            int j = i + 1;
            while (j < sorted.size() && sorted.get(j).start() < end) {
                Finding f = sorted.get(j);
                end = Math.max(end, f.end());
                if (WINNER.compare(f, winner) < 0) {
                    winner = f;
                }
                j++;
            }
            merged.add(new Finding(winner.kind(), sorted.get(i).start(), end));
            i = j;
        }
        return merged;
    }
}
