package dev.iccache.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.Json;
import dev.iccache.backend.ModelBackend;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.StatsRecorder;
import dev.iccache.config.BackendConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.Judge;
import dev.iccache.select.ExampleSelector;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.Selection;
import dev.iccache.select.SelectionProbe;
import dev.iccache.select.SelectionState;
import dev.iccache.select.ThresholdTuner;
import dev.iccache.select.TokenCounter;
import dev.iccache.select.UtilityModel;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.Ticker;
import dev.iccache.trace.Tracing;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * Trains the production selection on a real small model before R4 asks its questions
 * ({@code iccache eval uplift --train N}, docs/evaluation.md): the gateway's own exploration
 * probes ({@link SelectionProbe}, as online and in {@code iccache train}) on the bank's own
 * questions in a seeded order, each with its own example left out, the small model answering
 * with one set of examples and with another (or none), and the pair judged by token F1 against
 * the question's gold answers instead of by a judge model: score = 3 × (F1 first − F1 second). The
 * utility model and τ learn from these labels; the questions are then selected for with what was
 * learned. The probes' answers go to the run's state file, so a resumed run asks none again (the
 * probes are drawn in the same order and learn the same labels, so they ask the same prompts).
 */
final class GoldSelectionTraining implements AutoCloseable {
    /** The recorder's own flushes never come during a run: the training flushes after each probe (determinism). */
    private static final long STATS_FLUSH_MS = 86_400_000;
    static final String CONDITION = "train";

    private final InContextAugmenter augmenter;
    private final StatsRecorder stats;
    private final SelectionProbe probe;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService selectionThreads;
    private final Embedder embedder;
    private final TokenCounter tokens = TokenCounter.cl100k();
    /** The gold answers of the question being probed: what the judge scores against. */
    private Set<String> gold = Set.of();

    /** What the training did: probes judged, their outcome, and the τ it ended at. */
    record Report(int questions, int judged, int free, int withBetter, int againstBetter, double meanGain,
            double threshold) {
        ObjectNode json() {
            ObjectNode o = Json.object();
            o.put("bank_questions", questions);
            o.put("probes_judged", judged);
            o.put("threshold_probes_free", free);
            o.put("first_set_better", withBetter);
            o.put("second_set_better", againstBetter);
            EvalJson.put(o, "mean_gain", meanGain);
            o.put("threshold", threshold);
            return o;
        }
    }

    /**
     * @param selector  the production selector (its store, clusters and settings)
     * @param utility   the utility model to train (untrained, or from a checkpoint)
     * @param threshold τ to start from
     */
    GoldSelectionTraining(ExampleSelector selector, ExampleStore store, Embedder embedder, UtilityModel utility,
            double threshold, InstantSource clock, long seed) {
        this.embedder = embedder;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "uplift-training-stats");
            t.setDaemon(true);
            return t;
        });
        this.selectionThreads = Executors.newVirtualThreadPerTaskExecutor();
        Metrics metrics = new Metrics();
        SelectionState state = new SelectionState(utility, new ThresholdTuner(threshold,
                new SplittableRandom(seed ^ 0x7475_6E65L)));
        DomainStates<SelectionState> states = new DomainStates<>(domain -> state, (domain, s) -> { }, 1);
        this.stats = new StatsRecorder(store, clock, scheduler, STATS_FLUSH_MS);
        // learning runs on the calling thread: the probes are drawn from what every earlier label taught
        this.augmenter = new InContextAugmenter(selector, states, stats, selectionThreads, Runnable::run,
                new SplittableRandom(seed ^ 0x6E6F_6E63L), Ticker.SYSTEM, name -> 1.0, metrics, Tracing.NOOP);
        Judge byGold = (request, first, second) -> OptionalDouble.of(3 * (AnswerScores.f1(first, gold)
                - AnswerScores.f1(second, gold)));
        this.probe = new SelectionProbe(augmenter, byGold, new SplittableRandom(seed ^ 0x6578_706CL), metrics);
    }

    /**
     * Probes the bank's questions (in a seeded order, each without its own example) until
     * {@code budget} probes were judged or the bank is used up.
     *
     * @param answers  a bank question's gold answers, by its text
     * @param requests a bank question as the run asks it (system prompt, decoding)
     * @param small    the small model
     * @param state    the run's state file, which keeps the probes' answers
     * @param done     told after each judged probe
     */
    Report train(List<Example> bank, Map<String, Set<String>> answers, Function<String, ChatRequest> requests,
            ModelBackend small, UpliftState state, int budget, long seed, Runnable done) {
        RecordedCalls calls = new RecordedCalls(small, state);
        List<Example> order = new ArrayList<>(bank);
        Collections.shuffle(order, new SplittableRandom(seed ^ 0x7472_6169L));
        int questions = 0;
        int judged = 0;
        int free = 0;
        int withBetter = 0;
        int againstBetter = 0;
        double gains = 0;
        BackendConfig target = small.config();
        for (Example h : order) {
            if (judged >= budget) {
                break;
            }
            String question = ChatRequest.lastUserText(h.messages()).orElse("");
            gold = answers.getOrDefault(question, Set.of());
            if (gold.isEmpty()) {
                continue;
            }
            ChatRequest request = requests.apply(question);
            Selection selection = select(request, target, h.id());
            questions++;
            if (selection.scored().isEmpty()) {
                continue;
            }
            SelectionProbe.Plan plan = probe.plan(Tenant.DEFAULT.domain(), selection);
            OptionalDouble gain = probe.run(request, calls, plan);
            stats.flush(); // a probe of one example against none adds to its record, a feature of the next selections
            if (calls.failure != null) {
                throw new IllegalStateException(target.name() + " failed while training the selection: "
                        + calls.failure.getMessage() + "; the answers so far are kept in " + state.file()
                        + ", run the same command again to resume");
            }
            if (!plan.needsJudgment()) {
                free++;
                continue;
            }
            judged++;
            gains += gain.getAsDouble();
            withBetter += gain.getAsDouble() > 0.5 ? 1 : 0;
            againstBetter += gain.getAsDouble() < 0.5 ? 1 : 0;
            done.run();
        }
        return new Report(questions, judged, free, withBetter, againstBetter, judged == 0 ? Double.NaN : gains / judged,
                augmenter.tuner(Tenant.DEFAULT.domain()).threshold());
    }

    /** The production selection for {@code request} to {@code target}, with the utility model and τ trained. */
    Selection select(ChatRequest request, BackendConfig target) {
        return select(request, target, "");
    }

    /** The selection with the domain's utility model and τ, never choosing the example {@code leftOut}. */
    private Selection select(ChatRequest request, BackendConfig target, String leftOut) {
        return augmenter.select(Tenant.DEFAULT.domain(), request, ExampleSelector.embed(Tracing.NOOP, embedder, request),
                tokens.countRequest(request), Tenant.DEFAULT.scope(), target, leftOut::equals);
    }

    @Override
    public void close() {
        try {
            augmenter.close();
        } finally {
            scheduler.shutdownNow();
            selectionThreads.shutdownNow();
        }
    }

    /**
     * The small model's calls of the training, answered from the state file when it has them (by
     * the hash of the prompt) and recorded there when they are new. The probe counts a failed call
     * as unanswered; the failure is kept here for the training to stop on.
     */
    private static final class RecordedCalls implements ModelBackend {
        private final ModelBackend small;
        private final UpliftState state;
        private RuntimeException failure;

        RecordedCalls(ModelBackend small, UpliftState state) {
            this.small = small;
            this.state = state;
        }

        @Override
        public BackendConfig config() {
            return small.config();
        }

        @Override
        public ChatResponse complete(ChatRequest request) {
            String prompt = UpliftState.promptHash(request.bodyCopy().path("messages"));
            Optional<ObjectNode> known = state.get(0, CONDITION, prompt, prompt);
            if (known.isPresent()) {
                return answer(known.get().path("answer").asText());
            }
            ChatResponse r;
            try {
                r = small.complete(request);
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
            ObjectNode row = Json.object();
            row.put("q", 0);
            row.put("condition", CONDITION);
            row.put("example", prompt);
            row.put("prompt", prompt);
            row.put("answer", r.content());
            state.put(row);
            return r;
        }

        @Override
        public ChatStream stream(ChatRequest request) {
            throw new UnsupportedOperationException("training asks without streaming");
        }

        private static ChatResponse answer(String content) {
            ObjectNode body = Json.object();
            body.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", content);
            return new ChatResponse(body);
        }
    }
}
