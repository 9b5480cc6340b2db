package dev.iccache.scrub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.scrub.PiiGenerators.Pii;
import dev.iccache.scrub.PiiGenerators.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests: personal data and secrets of every generated shape, planted at random places in ordinary
 * text, never survive scrubbing, and the text around them does.
 */
class PlantedPiiTest {
    private static final int SEEDS = 300;
    /** How a planted value is set off from the text around it. */
    private static final List<String[]> DELIMITERS = List.of(new String[] {" ", " "}, new String[] {" ", ". "},
            new String[] {" ", ", "}, new String[] {" (", ") "}, new String[] {": ", "\n"}, new String[] {"\n", "\n"},
            new String[] {" \"", "\" "}, new String[] {" <", "> "}, new String[] {"\t", "; "});

    private final Scrubber mask = Scrubber.from(ScrubberSettings.DEFAULT);
    private final Scrubber drop = Scrubber.from(ScrubberSettings.of(ScrubPolicy.DROP));

    static Stream<Arguments> shapesAndSeeds() {
        return Stream.of(Shape.values())
                .flatMap(shape -> LongStream.range(0, SEEDS).mapToObj(seed -> Arguments.of(shape, seed)));
    }

    static LongStream seeds() {
        return LongStream.range(0, SEEDS);
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("shapesAndSeeds")
    void aPlantedValueIsMaskedAndItsSurroundingsSurvive(Shape shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed * 31 + shape.ordinal());
        Pii pii = shape.generate(random);
        Planted planted = plant(List.of(pii), random);
        ScrubResult result = mask.scrub(planted.text());
        assertThat(result.text()).as("scrubbed %s", planted.text()).doesNotContain(pii.value())
                .isEqualTo(planted.expected());
        assertThat(result.findings()).extracting(Finding::kind).containsExactly(pii.kind());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void severalPlantedValuesAreAllMaskedAndNoExampleWithOneIsAdmittedUnderDrop(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Pii> values = new ArrayList<>();
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            values.add(Shape.values()[random.nextInt(Shape.values().length)].generate(random));
        }
        Planted planted = plant(values, random);
        ScrubResult masked = mask.scrub(planted.text());
        assertThat(masked.text()).as("scrubbed %s", planted.text()).isEqualTo(planted.expected());
        for (Pii pii : values) {
            assertThat(masked.text()).doesNotContain(pii.value());
        }
        assertThat(drop.scrub(planted.text()).found()).isTrue();
        assertThat(mask.scrub(masked.text()).found()).as("scrubbing twice finds nothing new").isFalse();
    }

    /** Ordinary text with the values at random places, and the text expected after masking. */
    private record Planted(String text, String expected) {
    }

    private static Planted plant(List<Pii> values, SplittableRandom random) {
        StringBuilder text = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (Pii pii : values) {
            String words = random.nextInt(5) == 0 ? "" : PiiGenerators.sentence(random);
            String[] delimiter = DELIMITERS.get(random.nextInt(DELIMITERS.size()));
            String left = (text.isEmpty() && words.isEmpty() ? "" : delimiter[0]) + pii.prefix();
            String right = pii.suffix() + delimiter[1];
            text.append(words).append(left).append(pii.value()).append(right);
            expected.append(words).append(left).append(pii.kind().placeholder()).append(right);
        }
        String tail = random.nextBoolean() ? PiiGenerators.sentence(random) : "";
        return new Planted(text.append(tail).toString(), expected.append(tail).toString());
    }
}
