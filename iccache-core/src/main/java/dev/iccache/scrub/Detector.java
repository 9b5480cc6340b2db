package dev.iccache.scrub;

import java.util.List;

/** Finds one format of personal data or secret in text, in time linear in the text's length. */
interface Detector {
    /** Adds a finding for each match in {@code text}, in any order; findings may overlap. */
    void detect(String text, List<Finding> into);
}
