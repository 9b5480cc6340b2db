package dev.iccache.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.bank.Vectors;
import dev.iccache.config.BankConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbeddingText;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import dev.iccache.scrub.PiiKind;
import dev.iccache.scrub.ScrubPolicy;
import dev.iccache.scrub.ScrubbedJson;
import dev.iccache.scrub.Scrubber;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Admits finished request/response pairs to the example bank, off the request thread: checks
 * eligibility, scrubs personal data and secrets from every stored string (docs/pii-scrubbing.md),
 * pseudonymises the end user, embeds in batches, merges duplicates within the tenant (the same
 * request, or a cosine at or above {@code bank.dedup-threshold} between different embedded texts,
 * keeping the better response) and stores durably. See docs/example-bank.md for the rules.
 */
public final class ExampleAdmitter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ExampleAdmitter.class.getName());
    private static final int BATCH = 64;
    /** Stored neighbours checked for a duplicate: requests with the same embedded text embed alike, in any order. */
    private static final int NEIGHBOURS = 10;

    private final Embedder embedder;
    private final ExampleStore store;
    private final BankConfig config;
    private final InstantSource clock;
    private final Scrubber scrubber;
    private final UserPseudonyms users;
    private final Counter admissions;
    private final Counter findings;
    private final BlockingQueue<Candidate> queue;
    private final Thread worker;
    private final Supplier<String> ids;
    private volatile boolean running = true;

    /**
     * @param users   pseudonymises the end users of stored examples (the bank's key)
     * @param threads makes the one background worker thread
     */
    public ExampleAdmitter(Embedder embedder, ExampleStore store, BankConfig config, Scrubber scrubber,
            UserPseudonyms users, InstantSource clock, Metrics metrics, ThreadFactory threads) {
        this(embedder, store, config, scrubber, users, clock, metrics, threads, () -> UUID.randomUUID().toString());
    }

    /**
     * @param users   pseudonymises the end users of stored examples (the bank's key)
     * @param threads makes the one background worker thread
     * @param ids     names new examples (random UUIDs in production; a seeded sequence in the simulator)
     */
    public ExampleAdmitter(Embedder embedder, ExampleStore store, BankConfig config, Scrubber scrubber,
            UserPseudonyms users, InstantSource clock, Metrics metrics, ThreadFactory threads,
            Supplier<String> ids) {
        this.ids = ids;
        this.embedder = embedder;
        this.store = store;
        this.config = config;
        this.scrubber = scrubber;
        this.users = users;
        this.clock = clock;
        this.findings = metrics.counter("iccache_scrub_findings_total",
                "Personal data and secrets found in admission candidates, by kind.", "kind");
        this.admissions = metrics.counter("iccache_bank_admissions_total",
                "Admission candidates by outcome (admitted, merged, duplicate, opt_out, ...).", "outcome");
        this.queue = new ArrayBlockingQueue<>(config.admissionQueue());
        this.worker = threads.newThread(this::drain);
        this.worker.start();
    }

    /** Queues a candidate for background admission; never blocks (a full queue drops it). */
    public void offer(Candidate candidate) {
        if (!queue.offer(candidate)) {
            count(AdmissionOutcome.DROPPED, 1);
        }
    }

    /** Admits candidates now, embedding them in one batch; returns the outcome of each, in order. */
    public List<AdmissionOutcome> admitAll(List<Candidate> candidates) {
        List<AdmissionOutcome> outcomes = new ArrayList<>(candidates.size());
        List<Candidate> eligible = new ArrayList<>();
        for (Candidate c : candidates) {
            AdmissionOutcome rejection = eligibility(c);
            Optional<Candidate> clean = rejection == null ? scrub(c) : Optional.empty();
            if (rejection == null && clean.isEmpty()) {
                rejection = AdmissionOutcome.PII;
            }
            outcomes.add(rejection);
            clean.ifPresent(eligible::add);
        }
        if (!eligible.isEmpty()) {
            List<AdmissionOutcome> stored = store(eligible);
            for (int i = 0, j = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i) == null) {
                    outcomes.set(i, stored.get(j++));
                }
            }
        }
        Map<AdmissionOutcome, Integer> counts = new EnumMap<>(AdmissionOutcome.class);
        outcomes.forEach(o -> counts.merge(o, 1, Integer::sum));
        counts.forEach(this::count);
        return outcomes;
    }

    private static AdmissionOutcome eligibility(Candidate c) {
        if (!c.tenant().store()) {
            return AdmissionOutcome.OPT_OUT;
        }
        if (c.response().isBlank()) {
            return AdmissionOutcome.EMPTY;
        }
        if (c.finishReason().filter(r -> r.equals("length") || r.equals("content_filter")).isPresent()) {
            return AdmissionOutcome.TRUNCATED;
        }
        if (c.request().usesTools() || c.finishReason()
                .filter(r -> r.equals("tool_calls") || r.equals("function_call")).isPresent()) {
            return AdmissionOutcome.TOOLS;
        }
        return null;
    }

    /**
     * The candidate as it may be stored: its messages and response scrubbed (every string, key and number;
     * tool call ids renumbered) and its end user pseudonymised; empty when something was found and the
     * policy is drop. Under policy off only the user changes.
     */
    private Optional<Candidate> scrub(Candidate c) {
        ObjectNode body = c.request().bodyCopy();
        c.request().user().ifPresent(u -> body.put("user", users.pseudonym(u)));
        String response = c.response();
        if (scrubber.policy() != ScrubPolicy.OFF) {
            ArrayNode messages = (ArrayNode) body.get("messages");
            renumberToolCalls(messages);
            ScrubbedJson cleanMessages = scrubber.scrubJson(messages);
            ScrubbedJson cleanResponse = scrubber.scrubJson(TextNode.valueOf(response));
            for (PiiKind kind : cleanMessages.kinds()) {
                findings.labelValues(kind.name().toLowerCase(Locale.ROOT)).inc();
            }
            for (PiiKind kind : cleanResponse.kinds()) {
                findings.labelValues(kind.name().toLowerCase(Locale.ROOT)).inc();
            }
            if ((cleanMessages.found() || cleanResponse.found()) && scrubber.policy() == ScrubPolicy.DROP) {
                return Optional.empty();
            }
            body.set("messages", cleanMessages.value());
            response = cleanResponse.value().textValue();
        }
        return Optional.of(new Candidate(c.tenant(), ChatRequest.of(body), response, c.model(), c.finishReason(),
                c.promptTokens(), c.responseTokens(), c.quality()));
    }

    /**
     * Replaces tool call ids with {@code call_1}, {@code call_2}, ... in order of first appearance, in the
     * assistant's {@code tool_calls} and the tool messages' {@code tool_call_id} alike: they are opaque
     * references that must keep matching, and a client may put anything in them, while a scrubbed
     * random id would read as a secret.
     */
    private static void renumberToolCalls(ArrayNode messages) {
        Map<String, String> ids = new HashMap<>();
        for (JsonNode m : messages) {
            for (JsonNode call : m.path("tool_calls")) {
                if (call instanceof ObjectNode o && o.path("id").isTextual()) {
                    o.put("id", ids.computeIfAbsent(o.get("id").textValue(), id -> "call_" + (ids.size() + 1)));
                }
            }
            if (m instanceof ObjectNode o && o.path("tool_call_id").isTextual()) {
                o.put("tool_call_id", ids.computeIfAbsent(o.get("tool_call_id").textValue(),
                        id -> "call_" + (ids.size() + 1)));
            }
        }
    }

    /**
     * Embeds, deduplicates and writes a batch; when any step fails (the embedder, the near-duplicate
     * search, the write), the whole batch fails: nothing of it was acknowledged.
     */
    private List<AdmissionOutcome> store(List<Candidate> candidates) {
        try {
            return admit(candidates);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "admitting a batch of " + candidates.size() + " candidates failed", e);
            return candidates.stream().map(c -> AdmissionOutcome.FAILED).toList();
        }
    }

    private List<AdmissionOutcome> admit(List<Candidate> candidates) {
        List<String> texts = candidates.stream().map(c -> EmbeddingText.of(c.request())).toList();
        List<float[]> vectors = embedder.embedAll(texts);
        Instant now = clock.instant();
        List<AdmissionOutcome> outcomes = new ArrayList<>();
        List<Example> writes = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            double ttl = c.tenant().ttlHours() > 0 ? c.tenant().ttlHours() : config.ttlHours();
            Optional<Instant> expiry = ttl > 0 ? Optional.of(now.plus(Duration.ofMillis((long) (ttl * 3_600_000))))
                    : Optional.empty();
            Example fresh = new Example(ids.get(), c.tenant().name(),
                    c.request().messages().toString(), texts.get(i), vectors.get(i), c.response(), c.model(),
                    c.quality(), c.promptTokens(), c.responseTokens(), now, expiry, ExampleStats.fresh(now),
                    c.request().user());
            Optional<Example> twin = nearDuplicate(fresh, writes, now);
            if (twin.isEmpty()) {
                writes.add(fresh);
                outcomes.add(AdmissionOutcome.ADMITTED);
            } else if (better(fresh.quality(), twin.get().quality())) {
                Example merged = twin.get().withResponse(fresh.response(), fresh.model(), fresh.quality(),
                        fresh.responseTokens());
                writes.removeIf(e -> e.id().equals(merged.id()));
                writes.add(merged);
                outcomes.add(AdmissionOutcome.MERGED);
            } else {
                outcomes.add(AdmissionOutcome.DUPLICATE);
            }
        }
        store.putAll(writes);
        return outcomes;
    }

    /**
     * The example of the same tenant, among stored and pending ones, that {@code fresh} duplicates:
     * one with the same request if any, else the closest at or above the threshold.
     */
    private Optional<Example> nearDuplicate(Example fresh, List<Example> pending, Instant now) {
        List<SearchHit> neighbours = new ArrayList<>();
        for (Example p : pending) {
            if (p.tenant().equals(fresh.tenant())) {
                neighbours.add(new SearchHit(p, Vectors.dot(p.vector(), fresh.vector())));
            }
        }
        for (SearchHit hit : store.search(fresh.vector(), Set.of(fresh.tenant()), NEIGHBOURS, now)) {
            if (pending.stream().noneMatch(p -> p.id().equals(hit.example().id()))) {
                neighbours.add(hit);
            }
        }
        return neighbours.stream()
                .filter(h -> duplicates(h.example(), fresh, h.score()))
                .max(Comparator.comparing((SearchHit h) -> h.example().embeddedText().equals(fresh.embeddedText()))
                        .thenComparingDouble(SearchHit::score))
                .map(SearchHit::example);
    }

    /**
     * Whether {@code fresh} duplicates {@code existing}. With the same embedded text only the full
     * requests can tell: the text is cut (EmbeddingText), and the int8 model's vectors vary by about
     * 1% with batch companions (docs/embedding.md), so the score is no guide either way.
     */
    private boolean duplicates(Example existing, Example fresh, double score) {
        if (existing.embeddedText().equals(fresh.embeddedText())) {
            return existing.messages().equals(fresh.messages());
        }
        return score >= config.dedupThreshold();
    }

    /**
     * Whether a new response should replace an existing one: by quality where both are known,
     * a known quality beats an unknown one, and with neither known the newer response wins.
     */
    static boolean better(OptionalDouble fresh, OptionalDouble existing) {
        if (fresh.isPresent() && existing.isPresent()) {
            return fresh.getAsDouble() > existing.getAsDouble();
        }
        return fresh.isPresent() || existing.isEmpty();
    }

    private void count(AdmissionOutcome outcome, int n) {
        admissions.labelValues(outcome.label()).inc(n);
    }

    private void drain() {
        List<Candidate> batch = new ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Candidate first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                gather(batch);
                admitAll(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "admission batch failed", e);
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * Adds what is queued to the batch, then, for {@code bank.admission-linger-ms} after its first candidate, what
     * arrives, up to {@link #BATCH}: under load, fewer and larger writes (each write is a commit, a new index
     * segment and, later, merges).
     */
    private void gather(List<Candidate> batch) throws InterruptedException {
        queue.drainTo(batch, BATCH - batch.size());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.admissionLingerMs());
        while (batch.size() < BATCH && running) {
            long left = deadline - System.nanoTime();
            Candidate next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
            if (next == null) {
                return;
            }
            batch.add(next);
            queue.drainTo(batch, BATCH - batch.size());
        }
    }

    /** Admits what is queued, then stops the worker. */
    @Override
    public void close() {
        running = false;
        try {
            worker.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
