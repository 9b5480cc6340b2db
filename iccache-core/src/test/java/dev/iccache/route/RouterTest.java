package dev.iccache.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RouterTest {
    private static final double[] X = {1, 0.3};
    private static final Router.Arm SMALL = new Router.Arm("small", true, 0.14, X);
    private static final Router.Arm LARGE = new Router.Arm("large", false, 1.0, X);

    private static RouterSettings settings(double exploration, int minObservations) {
        return settings(exploration, minObservations, 0);
    }

    private static RouterSettings settings(double exploration, int minObservations, double qualityTarget) {
        return new RouterSettings(true, exploration, 0.999, minObservations, 0.1, 0, 0.8, 0.2, 0.5, 4, null, 30, 0.4, 0.2,
                qualityTarget, 2);
    }

    private static Router router(RouterSettings s) {
        return new Router(s, new LinearThompsonBandit(2, 1, s.exploration(), s.forgetting()), new LoadBias(s),
                new QualityGuard(s.qualityFloor()), new SplittableRandom(5), "large");
    }

    private static void teach(Router r, Router.Arm arm, double reward, int n) {
        for (int i = 0; i < n; i++) {
            r.learn(arm, reward);
        }
    }

    @Test
    void anArmWithoutEnoughObservationsIsOnlyShadowed() {
        Router r = router(settings(0.3, 20));
        Router.Decision d = r.decide(List.of(SMALL, LARGE), 0, true);
        assertThat(d.chosen()).isEqualTo("large");
        assertThat(d.shadow()).hasValue("small");
        assertThat(d.scores()).containsOnlyKeys("large");
        assertThat(r.decide(List.of(SMALL, LARGE), 0, false).shadow()).isEmpty();
    }

    @Test
    void offloadRisesUnderLoadAndFallsBackWhenLoadDrops() {
        Router r = router(settings(0, 5));
        teach(r, SMALL, 0.6, 200);
        teach(r, LARGE, 0.7, 200);
        assertThat(r.decide(List.of(SMALL, LARGE), 0.2, false).chosen()).isEqualTo("large");
        int offloaded = 0;
        for (int i = 0; i < 30; i++) {
            if (r.decide(List.of(SMALL, LARGE), 1.2, false).chosen().equals("small")) {
                offloaded++;
            }
        }
        assertThat(offloaded).as("overloaded: decisions sent to the small model").isGreaterThan(20);
        assertThat(r.loadBias().bias()).isPositive();
        for (int i = 0; i < 30; i++) {
            r.decide(List.of(SMALL, LARGE), 0.1, false);
        }
        assertThat(r.loadBias().bias()).isZero();
        assertThat(r.decide(List.of(SMALL, LARGE), 0.1, false).chosen()).isEqualTo("large");
    }

    @Test
    void theLoadBiasIsTheDocumentedTanh() {
        RouterSettings s = settings(0, 0);
        LoadBias bias = new LoadBias(s);
        assertThat(bias.update(0.5)).isZero();
        for (int i = 0; i < 200; i++) {
            bias.update(1.0);
        }
        assertThat(bias.ema()).isCloseTo(1.0, within(1e-6));
        assertThat(bias.bias()).isCloseTo(0.5 * Math.tanh(4 * 0.2), within(1e-6));
    }

    @Test
    void judgmentsTeachBothArmsAndTheQualityGuardHandicapsSmallModels() {
        Router r = router(settings(0, 5));
        for (int i = 0; i < 100; i++) {
            r.judged(LARGE, SMALL, 3);
        }
        assertThat(r.estimate(LARGE)).isCloseTo(1.0, within(0.05));
        assertThat(r.estimate(SMALL)).isCloseTo(0.0, within(0.05));
        assertThat(r.guard().active()).isTrue();
        assertThat(r.guard().estimate()).isZero();
        Router.Decision d = r.decide(List.of(SMALL, LARGE), 0, false);
        assertThat(d.scores().get("small")).isCloseTo(r.estimate(SMALL) - 0.2, within(1e-9));
        for (int i = 0; i < 200; i++) {
            r.judged(SMALL, LARGE, 0.2);
        }
        assertThat(r.guard().active()).as("ties count as wins: the guard lifts").isFalse();
    }

    @Test
    void withAQualityTargetTheLoadBiasOffloadsOnlyWhatKeepsTheTarget() {
        // Small answers as well as large where the examples help (x = +1) and worse elsewhere (x = -1):
        // predicted 0.55 and 0.35, a mean of 0.45 over both kinds, so at a 0.5 target only the first kind may go.
        Router.Arm smallHelped = new Router.Arm("small", true, 0.14, new double[] {1, 1});
        Router.Arm largeHelped = new Router.Arm("large", false, 1.0, new double[] {1, 1});
        Router.Arm smallAlone = new Router.Arm("small", true, 0.14, new double[] {1, -1});
        Router.Arm largeAlone = new Router.Arm("large", false, 1.0, new double[] {1, -1});
        for (double target : new double[] {0, 0.5}) {
            Router r = router(settings(0, 5, target));
            teach(r, smallHelped, 0.55, 200);
            teach(r, largeHelped, 0.45, 200);
            teach(r, smallAlone, 0.35, 200);
            teach(r, largeAlone, 0.65, 200);
            int helpedOffloaded = 0;
            int aloneOffloaded = 0;
            for (int i = 0; i < 200; i++) {
                boolean helped = i % 2 == 0;
                String chosen = r.decide(helped ? List.of(smallHelped, largeHelped) : List.of(smallAlone, largeAlone),
                        1.2, false).chosen();
                if (i >= 100 && chosen.equals("small")) {
                    if (helped) {
                        helpedOffloaded++;
                    } else {
                        aloneOffloaded++;
                    }
                }
            }
            assertThat(helpedOffloaded).as("target %s: helped requests offloaded", target).isEqualTo(50);
            assertThat(aloneOffloaded).as("target %s: other requests offloaded", target).isEqualTo(target == 0 ? 50 : 0);
            if (target == 0) {
                assertThat(r.qualityAim()).isEmpty();
                assertThat(r.offloadCut()).isEmpty();
            } else {
                assertThat(r.qualityAim()).hasValue(0.5);
                assertThat(r.offloadCut().getAsDouble()).isCloseTo(r.estimate(smallHelped), within(1e-12));
            }
        }
        assertThat(router(settings(0, 5, 0.5)).decide(List.of(smallHelped, largeHelped), 0.1, false).chosen())
                .as("no load, no bias: the better arm").isEqualTo("large");
    }

    @Test
    void judgedOffloadedAnswersBelowTheTargetRaiseTheAim() {
        // The same two kinds of request as above, in a context whose third feature only the verdicts use,
        // so that the verdicts move the aim and not these requests' estimates.
        Router.Arm smallHelped = new Router.Arm("small", true, 0.14, new double[] {1, 1, 0});
        Router.Arm largeHelped = new Router.Arm("large", false, 1.0, new double[] {1, 1, 0});
        Router.Arm smallAlone = new Router.Arm("small", true, 0.14, new double[] {1, -1, 0});
        Router.Arm largeAlone = new Router.Arm("large", false, 1.0, new double[] {1, -1, 0});
        Router.Arm smallJudged = new Router.Arm("small", true, 0.14, new double[] {0, 0, 1});
        Router.Arm largeJudged = new Router.Arm("large", false, 1.0, new double[] {0, 0, 1});
        int[] offloaded = new int[2];
        for (int variant = 0; variant < 2; variant++) {
            RouterSettings s = settings(0, 5, 0.5);
            Router r = new Router(s, new LinearThompsonBandit(3, 1, s.exploration(), s.forgetting()), new LoadBias(s),
                    new QualityGuard(s.qualityFloor()), new SplittableRandom(5), "large");
            teach(r, smallHelped, 0.55, 200);
            teach(r, largeHelped, 0.45, 200);
            teach(r, smallAlone, 0.35, 200);
            teach(r, largeAlone, 0.65, 200);
            for (int i = 0; i < 50; i++) {
                if (variant == 0) {
                    r.judged(smallJudged, largeJudged, -3); // a warm-start prior: not an offloaded answer
                } else {
                    r.shadowJudged(smallJudged, largeJudged, -3); // an offloaded answer the large one beat
                }
            }
            assertThat(r.qualityAim().getAsDouble()).isCloseTo(variant == 0 ? 0.5 : 0.5 + 50 * OffloadThreshold.STEP * 0.5,
                    within(1e-9));
            for (int i = 0; i < 200; i++) {
                boolean helped = i % 2 == 0;
                String chosen = r.decide(helped ? List.of(smallHelped, largeHelped) : List.of(smallAlone, largeAlone),
                        1.2, false).chosen();
                offloaded[variant] += i >= 100 && chosen.equals("small") ? 1 : 0;
            }
        }
        assertThat(offloaded[0]).as("prior judgments leave the aim at the target").isEqualTo(50);
        assertThat(offloaded[1]).as("offloaded answers judged worse: the aim rose past 0.55").isZero();
    }
}
