package dev.iccache.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.route.RequestFeatures;
import dev.iccache.workload.RoutingPrompt;
import dev.iccache.workload.RoutingStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoutingEvaluationTest {
    /** Contexts where feature 1 says whether the prompt is "hard" (only the strong model gets it right). */
    private static List<double[]> contexts(boolean[] hard) {
        List<double[]> out = new ArrayList<>();
        for (boolean h : hard) {
            double[] x = new double[RequestFeatures.REQUEST_DIMENSION];
            x[0] = 1;
            x[1] = h ? 1 : 0;
            out.add(x);
        }
        return out;
    }

    private static boolean[] hard(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean[] h = new boolean[n];
        for (int i = 0; i < n; i++) {
            h[i] = r.nextDouble() < 0.3;
        }
        return h;
    }

    @Test
    void predictsBeforeItLearnsThePromptsOutcome() {
        boolean[] h = hard(200, 1);
        List<double[]> x = contexts(h);
        double[] weak = new double[h.length];
        double[] strong = new double[h.length];
        for (int i = 0; i < h.length; i++) {
            weak[i] = h[i] ? 0 : 1;
            strong[i] = 1;
        }
        double[] a = RoutingEvaluation.prequentialScores(x, weak, strong, LearnerSettings.PRODUCTION);
        assertThat(a[0]).as("nothing learned yet").isZero();
        double[] changed = weak.clone();
        changed[h.length - 1] = 1 - changed[h.length - 1];
        double[] b = RoutingEvaluation.prequentialScores(x, changed, strong, LearnerSettings.PRODUCTION);
        assertThat(b).containsExactly(a); // the last outcome never reaches any prediction
    }

    @Test
    void aLearnableStreamBeatsRandomAndStaysBelowTheOracle() {
        boolean[] h = hard(400, 2);
        List<RoutingPrompt> prompts = new ArrayList<>();
        for (int i = 0; i < h.length; i++) {
            prompts.add(RoutingPrompt.of(Integer.toString(i), "p" + i, 1, new double[] {h[i] ? 0 : 1, 1}));
        }
        RoutingStream s = new RoutingStream("toy", List.of("weak", "strong"), prompts, "0/1", "");
        ObjectNode r = RoutingEvaluation.binary(s, contexts(h), LearnerSettings.PRODUCTION, 10);
        double learned = r.path("routers").path("iccache").path("apgr").asDouble();
        assertThat(r.path("routers").path("random").path("apgr").asDouble()).isCloseTo(0.5, within(1e-9));
        double oracle = r.path("routers").path("oracle").path("apgr").asDouble();
        assertThat(learned).isGreaterThan(0.7).isLessThanOrEqualTo(oracle + 1e-9);
        assertThat(r.path("routers").path("iccache").path("cpt80").asDouble()).isLessThan(0.5);
        assertThat(r.path("routers").path("iccache").path("curve")).hasSize(11);
    }
}
