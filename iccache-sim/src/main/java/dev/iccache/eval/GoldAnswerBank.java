package dev.iccache.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.admission.Candidate;
import dev.iccache.admission.ExampleAdmitter;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.config.BankConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.metrics.Metrics;
import dev.iccache.scrub.Scrubber;
import dev.iccache.scrub.ScrubberSettings;
import dev.iccache.tenant.Tenant;
import dev.iccache.workload.WorkItem;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An example bank of history questions with their gold answers standing in for a strong large
 * model's answers (no large model runs), admitted through iccache's own admission (scrubbing,
 * near-duplicate merging) with seeded ids, in history order: the same bank on every run.
 */
public final class GoldAnswerBank {
    /** The model name the bank's answers carry. */
    public static final String MODEL = "gold-answers";
    private static final Instant ADMITTED_AT = Instant.parse("2025-01-01T00:00:00Z");
    private static final int BATCH = 1000;

    private GoldAnswerBank() {
    }

    /** When the examples count as admitted (a fixed instant: nothing expires, runs repeat). */
    public static InstantSource clock() {
        return InstantSource.fixed(ADMITTED_AT);
    }

    /**
     * Admits each history item with an answer (its first gold answer as the response) into
     * {@code store}; returns the bank's examples sorted by id (admission order).
     */
    public static List<Example> fill(List<WorkItem> history, Embedder embedder, ExampleStore store, PrintWriter log) {
        List<Candidate> candidates = new ArrayList<>();
        for (WorkItem h : history) {
            if (!h.answers().isEmpty()) {
                candidates.add(new Candidate(Tenant.DEFAULT, question(h.text()), h.answers().iterator().next(), MODEL,
                        Optional.of("stop"), 0, 0, OptionalDouble.empty()));
            }
        }
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("no history item has a gold answer to put in the bank");
        }
        AtomicLong ids = new AtomicLong();
        try (ExampleAdmitter admitter = new ExampleAdmitter(embedder, store, BankConfig.DEFAULT,
                Scrubber.from(ScrubberSettings.DEFAULT), UserPseudonyms.generate(new SplittableRandom(0)), clock(),
                new Metrics(), Thread.ofVirtual().factory(), () -> "bank-" + ids.incrementAndGet())) {
            for (int from = 0; from < candidates.size(); from += BATCH) {
                int to = Math.min(candidates.size(), from + BATCH);
                admitter.admitAll(candidates.subList(from, to));
                log.printf("\r  admitting the history to the bank: %d/%d", to, candidates.size());
                log.flush();
            }
            log.println();
        }
        List<Example> bank = new ArrayList<>();
        store.forEach(Optional.empty(), bank::add);
        bank.sort(Comparator.comparingLong(e -> Long.parseLong(e.id().substring("bank-".length()))));
        return bank;
    }

    /** A history question as the bank stores it: one user turn. */
    private static ChatRequest question(String text) {
        ObjectNode body = Json.object();
        body.put("model", MODEL);
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return ChatRequest.of(body);
    }
}
