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

    private static boolean isWorld(Class<?> type) {
        return type.getPackageName().startsWith("dev.iccache.sim.world");
    }
}
