package dev.iccache.scrub;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iccache.config.ConfigException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the {@link Scrubber} looks for and what admission does with what it finds. YAML keys and defaults
 * are in docs/pii-scrubbing.md.
 *
 * @param policy mask findings, drop examples with findings, or do not scrub
 * @param kinds  the kinds looked for; at least one unless the policy is {@link ScrubPolicy#OFF}
 */
public record ScrubberSettings(ScrubPolicy policy, Set<PiiKind> kinds) {

    private static final String KNOWN_KINDS = Arrays.stream(PiiKind.values()).map(ScrubberSettings::yamlName)
            .collect(Collectors.joining(", "));

    /** Mask every kind. */
    public static final ScrubberSettings DEFAULT = new ScrubberSettings(ScrubPolicy.MASK, EnumSet.allOf(PiiKind.class));

    public ScrubberSettings {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(kinds, "kinds");
        if (kinds.isEmpty() && policy != ScrubPolicy.OFF) {
            throw new ConfigException("scrub.kinds must name at least one kind (" + KNOWN_KINDS
                    + "); to stop scrubbing set scrub.policy: off");
        }
        kinds = Collections.unmodifiableSet(kinds.isEmpty() ? EnumSet.noneOf(PiiKind.class) : EnumSet.copyOf(kinds));
    }

    /** Every kind with the given policy. */
    public static ScrubberSettings of(ScrubPolicy policy) {
        return new ScrubberSettings(policy, EnumSet.allOf(PiiKind.class));
    }

    /** Jackson entry point: an absent policy is {@code mask}, absent kinds are all kinds. */
    @JsonCreator
    static ScrubberSettings fromYaml(@JsonProperty("policy") String policy,
            @JsonProperty("kinds") List<String> kinds) {
        ScrubPolicy parsedPolicy = ScrubPolicy.MASK;
        if (policy != null) {
            try {
                parsedPolicy = ScrubPolicy.valueOf(policy.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("scrub.policy must be 'mask', 'drop' or 'off', got " + policy);
            }
        }
        return new ScrubberSettings(parsedPolicy, kinds == null ? EnumSet.allOf(PiiKind.class) : parseKinds(kinds));
    }

    private static Set<PiiKind> parseKinds(Collection<String> names) {
        Set<PiiKind> kinds = EnumSet.noneOf(PiiKind.class);
        for (String name : names) {
            PiiKind kind = name == null ? null : Arrays.stream(PiiKind.values())
                    .filter(k -> yamlName(k).equals(name.trim().toLowerCase(Locale.ROOT).replace('_', '-')))
                    .findFirst().orElse(null);
            if (kind == null) {
                throw new ConfigException("scrub.kinds: unknown kind '" + name + "'; known kinds: " + KNOWN_KINDS);
            }
            kinds.add(kind);
        }
        return kinds;
    }

    private static String yamlName(PiiKind kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
