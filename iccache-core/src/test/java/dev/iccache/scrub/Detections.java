package dev.iccache.scrub;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What a detector finds, as the matched substrings in text order. */
final class Detections {
    private Detections() {
    }

    static List<String> found(Detector detector, String text) {
        List<Finding> findings = new ArrayList<>();
        detector.detect(text, findings);
        return findings.stream().sorted(Comparator.comparingInt(Finding::start))
                .map(f -> text.substring(f.start(), f.end())).toList();
    }
}
