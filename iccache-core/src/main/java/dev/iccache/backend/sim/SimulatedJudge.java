package dev.iccache.backend.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.route.LlmJudge;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How a simulated backend answers a judge prompt: simulated answers carry no meaning, so the
 * verdict follows the strength of the simulated profile that wrote each answer (large 1, small 0,
 * anything else 0.5), plus seeded noise: {@code N = clamp(round(1.5·(s_A − s_B) + z), −3, 3)},
 * z standard normal. After {@link dev.iccache.route.LlmJudge} averages both orders, a large answer
 * beats a small one in about 19 of 20 comparisons. Labelled simulated in its text.
 */
final class SimulatedJudge {
    private SimulatedJudge() {
    }

    static boolean isJudgeCall(ChatRequest request) {
        JsonNode first = request.messages().get(0);
        return "system".equals(first.path("role").asText())
                && ChatRequest.contentText(first.get("content")).startsWith(LlmJudge.MARKER);
    }

    static List<String> verdict(ChatRequest request, SplittableRandom random) {
        String prompt = request.lastUserText().orElse("");
        double a = strength(between(prompt, "<answer_a>", "</answer_a>"));
        double b = strength(between(prompt, "<answer_b>", "</answer_b>"));
        double u1 = Math.max(random.nextDouble(), 1e-12);
        double z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble());
        long n = Math.max(-3, Math.min(3, Math.round(1.5 * (a - b) + z)));
        return List.of("Simulated", " verdict:", " [[" + n + "]]");
    }

    private static double strength(String answer) {
        String t = answer.strip();
        if (t.startsWith("[simulated large]")) {
            return 1;
        }
        if (t.startsWith("[simulated small]")) {
            return 0;
        }
        return 0.5;
    }

    private static String between(String text, String open, String close) {
        int i = text.indexOf(open);
        int j = text.indexOf(close, Math.max(0, i));
        return i < 0 || j < 0 ? "" : text.substring(i + open.length(), j);
    }
}
