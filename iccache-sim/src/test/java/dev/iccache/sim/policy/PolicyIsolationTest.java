package dev.iccache.sim.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** No policy can read the simulated world's hidden truth: the policy package never names the world or the bench. */
class PolicyIsolationTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/iccache/sim/policy");

    @Test
    void policySourcesDoNotReferToTheWorldOrTheBench() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path f : files.toList()) {
                String text = Files.readString(f);
                if (text.contains("dev.iccache.sim.world") || text.contains("dev.iccache.sim.bench")) {
                    offenders.add(f.getFileName().toString());
                }
            }
        }
        assertEquals(List.of(), offenders);
    }

    @Test
    void noPolicyTypeHasAMemberOfAWorldType() {
        for (Class<?> c : List.of(Policy.class, PolicyContext.class, JudgedHistory.class, Decision.class,
                Policies.class, FixedModel.class, RandomExamples.class, SimilarExamples.class, SemanticCache.class, RouteLlm.class,
                IcCache.class)) {
            for (Field f : c.getDeclaredFields()) {
                assertFalse(isWorld(f.getType()), c + "." + f.getName());
            }
            for (Method m : c.getDeclaredMethods()) {
                assertFalse(isWorld(m.getReturnType()), c + "." + m.getName());
                for (Parameter p : m.getParameters()) {
                    assertFalse(isWorld(p.getType()), c + "." + m.getName());
                }
            }
        }
    }

    /**
     * Equal information: the only judges a policy can reach are the run's judge (whose calls load the
     * judge model's servers) and the judged-history budget; asking the budgeted judge again about
     * the same pair spends budget and returns the same verdict, so noise cannot be averaged away.
     */
    @Test
    void theOnlyFreeJudgeIsBudgetedAndAskingAgainTeachesNothingNew() {
        long judges = java.util.Arrays.stream(PolicyContext.class.getRecordComponents())
                .filter(c -> dev.iccache.route.Judge.class.isAssignableFrom(c.getType())).count();
        assertEquals(1, judges, "PolicyContext exposes one judge: the run's");
        java.util.List<dev.iccache.sim.world.World.Item> items = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String text = "question " + i;
            items.add(new dev.iccache.sim.world.World.Item(text, java.util.Set.of(), java.util.OptionalDouble.empty(),
                    java.util.OptionalDouble.empty(), dev.iccache.embed.FakeEmbedder.unitVector(text)));
        }
        var cal = dev.iccache.sim.world.Calibration.pair("gemma2");
        var world = new dev.iccache.sim.world.World(dev.iccache.sim.world.World.Truth.of(cal,
                dev.iccache.sim.world.World.Kind.QA, items, 1), "small");
        var small = world.generate(0, "small", java.util.List.of());
        var large = world.generate(0, "large", java.util.List.of());
        JudgedHistory history = new JudgedHistory(new dev.iccache.sim.world.SimJudge(world, cal, 3,
                java.util.Optional.empty()), java.util.List.of(), 50);
        var body = dev.iccache.api.Json.object();
        body.put("model", "m");
        body.putArray("messages").addObject().put("role", "user").put("content", "question 0");
        var request = dev.iccache.api.ChatRequest.of(body);
        double first = history.judge().compare(request, small.text(), large.text()).orElseThrow();
        for (int i = 1; i < 50; i++) {
            assertEquals(first, history.judge().compare(request, small.text(), large.text()).orElseThrow());
        }
        assertEquals(0, history.remaining());
        assertFalse(history.judge().compare(request, small.text(), large.text()).isPresent(), "the budget is spent");
    }

    private static boolean isWorld(Class<?> type) {
        return type.getPackageName().startsWith("dev.iccache.sim.world");
    }
}
