package dev.iccache.workload;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A workload split in time: history seeds the example bank, online is the stream replayed against
 * the gateway. No online item's text appears in history (texts compared after
 * {@link #normalisedText}), and ids are unique across both parts.
 *
 * @param name        the workload's name
 * @param description what the workload holds, its split rule, and what was left out while loading
 * @param smallModel  the small model whose outcomes are recorded, or "small" when they are simulated
 * @param largeModel  the large model whose outcomes or answers are recorded, or "large" when simulated
 * @param recorded    describes which recorded outcomes are used (e.g. "Mixtral-8x7B (small) vs GPT-4
 *                    (large) correctness from routellm-evals"), or "none: latent difficulty"
 * @param history     requests whose large-model responses seed the example bank, in stream order
 * @param online      the requests replayed against the gateway, in stream order
 */
public record Workload(String name, String description, String smallModel, String largeModel, String recorded,
        List<WorkItem> history, List<WorkItem> online) {
    public Workload {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(smallModel, "smallModel");
        Objects.requireNonNull(largeModel, "largeModel");
        Objects.requireNonNull(recorded, "recorded");
        history = List.copyOf(history);
        online = List.copyOf(online);
        Set<String> onlineTexts = new HashSet<>();
        online.forEach(i -> onlineTexts.add(normalisedText(i.text())));
        for (WorkItem h : history) {
            if (onlineTexts.contains(normalisedText(h.text()))) {
                throw new IllegalArgumentException(name + ": history item " + h.id() + " has an online request's text");
            }
        }
        Set<String> ids = new HashSet<>();
        Stream.concat(history.stream(), online.stream()).filter(i -> !ids.add(i.id())).findFirst().ifPresent(i -> {
            throw new IllegalArgumentException(name + ": duplicate id " + i.id());
        });
    }

    /** The first {@code maxHistory} history and {@code maxOnline} online items, order preserved. */
    public Workload limit(int maxHistory, int maxOnline) {
        if (maxHistory < 0 || maxOnline < 0) {
            throw new IllegalArgumentException("limits must be >= 0: " + maxHistory + ", " + maxOnline);
        }
        if (maxHistory >= history.size() && maxOnline >= online.size()) {
            return this;
        }
        List<WorkItem> h = history.subList(0, Math.min(maxHistory, history.size()));
        List<WorkItem> o = online.subList(0, Math.min(maxOnline, online.size()));
        return new Workload(name, description + "; limited to the first " + h.size() + " history and " + o.size()
                + " online items", smallModel, largeModel, recorded, h, o);
    }

    /** A request text as duplicates are detected: lower case, runs of white space as one space, stripped. */
    static String normalisedText(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
    }
}
