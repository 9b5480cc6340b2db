package dev.iccache.scrub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScrubberTest {
    private static final String TEXT = """
            Hi, I'm reachable at jane.doe@example.com or +44 20 7946 0958. Card 4111 1111 1111 1111, \
            IBAN GB82 WEST 1234 5698 7654 32, SSN 123-45-6789, server 203.0.113.7, key AKIAIOSFODNN7EXAMPLE.""";
    private static final String MASKED = """
            Hi, I'm reachable at [EMAIL] or [PHONE]. Card [CARD], \
            IBAN [IBAN], SSN [NATIONAL_ID], server [IP], key [SECRET].""";

    private final Scrubber scrubber = Scrubber.from(ScrubberSettings.DEFAULT);

    @Test
    void masksEachKindWithItsPlaceholder() {
        ScrubResult result = scrubber.scrub(TEXT);
        assertThat(result.text()).isEqualTo(MASKED);
        assertThat(result.found()).isTrue();
        assertThat(result.findings()).extracting(Finding::kind).containsExactly(PiiKind.EMAIL, PiiKind.PHONE,
                PiiKind.CARD, PiiKind.IBAN, PiiKind.NATIONAL_ID, PiiKind.IP_ADDRESS, PiiKind.SECRET);
    }

    @Test
    void findingsPointIntoTheOriginalText() {
        ScrubResult result = scrubber.scrub(TEXT);
        assertThat(result.findings()).extracting(f -> TEXT.substring(f.start(), f.end())).containsExactly(
                "jane.doe@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32",
                "123-45-6789", "203.0.113.7", "AKIAIOSFODNN7EXAMPLE");
    }

    @Test
    void textWithoutFindingsComesBackUnchanged() {
        String text = "The meeting moved to 2024-05-01 at 10:30; budget $1,234.56 (up 3.5%), see v1.2.3.";
        ScrubResult result = scrubber.scrub(text);
        assertThat(result.text()).isEqualTo(text);
        assertThat(result.found()).isFalse();
        assertThat(scrubber.scrub("").found()).isFalse();
    }

    @Test
    void overlappingFindingsMergeIntoTheLongestKind() {
        assertThat(scrubber.scrub("via ::ffff:192.0.2.1 now").text()).isEqualTo("via [IP] now");
        assertThat(scrubber.scrub("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz")
                .text()).isEqualTo("Authorization: Bearer [SECRET]");
        assertThat(scrubber.scrub("api_key=\"sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z\"").text())
                .isEqualTo("api_key=\"[SECRET]\"");
        // The IBAN's groups "0044 0532 0130 00" also read as a national phone number; the IBAN is longer.
        assertThat(scrubber.scrub("DE89 3704 0044 0532 0130 00").findings())
                .containsExactly(new Finding(PiiKind.IBAN, 0, 27));
    }

    @Test
    void equallyLongOverlapsGoToTheMoreSpecificKind() {
        // 078-05-1120 is both an SSN and a national phone number with a trunk prefix.
        assertThat(scrubber.scrub("SSN 078-05-1120").text()).isEqualTo("SSN [NATIONAL_ID]");
        assertThat(Scrubber.merge(List.of(new Finding(PiiKind.PHONE, 0, 10), new Finding(PiiKind.SECRET, 0, 10))))
                .containsExactly(new Finding(PiiKind.SECRET, 0, 10));
    }

    @Test
    void mergeSpansAllOverlappingFindingsAndKeepsTouchingOnesApart() {
        assertThat(Scrubber.merge(List.of(new Finding(PiiKind.EMAIL, 5, 20), new Finding(PiiKind.SECRET, 0, 8),
                new Finding(PiiKind.PHONE, 18, 24), new Finding(PiiKind.CARD, 24, 30), new Finding(PiiKind.IBAN, 40, 41))))
                .containsExactly(new Finding(PiiKind.EMAIL, 0, 24), new Finding(PiiKind.CARD, 24, 30),
                        new Finding(PiiKind.IBAN, 40, 41));
    }

    @Test
    void scrubbingIsIdempotent() {
        String once = scrubber.scrub(TEXT).text();
        assertThat(scrubber.scrub(once).found()).isFalse();
    }

    @Test
    void offLooksForNothing() {
        Scrubber off = Scrubber.from(ScrubberSettings.of(ScrubPolicy.OFF));
        ScrubResult result = off.scrub(TEXT);
        assertThat(result.text()).isEqualTo(TEXT);
        assertThat(result.found()).isFalse();
        assertThat(off.policy()).isEqualTo(ScrubPolicy.OFF);
    }

    @Test
    void dropFindsAndMasksLikeMaskAndLeavesTheDecisionToTheCaller() {
        Scrubber drop = Scrubber.from(ScrubberSettings.of(ScrubPolicy.DROP));
        assertThat(drop.policy()).isEqualTo(ScrubPolicy.DROP);
        assertThat(drop.scrub(TEXT)).isEqualTo(scrubber.scrub(TEXT));
    }

    @Test
    void onlyTheConfiguredKindsAreLookedFor() {
        Scrubber emailsOnly = Scrubber.from(new ScrubberSettings(ScrubPolicy.MASK, EnumSet.of(PiiKind.EMAIL)));
        assertThat(emailsOnly.scrub("jane@example.com, 555-123-4567").text()).isEqualTo("[EMAIL], 555-123-4567");
    }

    @Test
    void rejectsInvalidArguments() {
        assertThatThrownBy(() -> scrubber.scrub(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Finding(PiiKind.EMAIL, 3, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void placeholdersAreDocumented() {
        assertThat(EnumSet.allOf(PiiKind.class)).extracting(PiiKind::placeholder).containsExactly("[EMAIL]", "[PHONE]",
                "[CARD]", "[IBAN]", "[NATIONAL_ID]", "[IP]", "[SECRET]");
    }
}
