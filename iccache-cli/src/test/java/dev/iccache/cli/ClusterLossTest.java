package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterLossTest {
    @Test
    void acknowledgedExamplesMissingFromTheBankAreLost() {
        ClusterLoss.Account account = ClusterLoss.account("gateway 2", 3, List.of("a", "b", "c", "d"), Set.of("a", "c"), Set.of());

        assertThat(account.answered()).isEqualTo(4);
        assertThat(account.found()).isEqualTo(2);
        assertThat(account.lost()).isEqualTo(1);
    }

    @Test
    void examplesFoundBeyondTheAcknowledgedCountAreNoLoss() {
        // Written before a kill but never acknowledged (or acknowledged after the last scrape).
        ClusterLoss.Account account = ClusterLoss.account("gateway 2", 1, List.of("a", "b", "c"), Set.of("a", "b", "c"), Set.of());

        assertThat(account.lost()).isZero();
    }

    @Test
    void questionsOfOtherGatewaysDoNotCount() {
        ClusterLoss.Account account = ClusterLoss.account("gateway 1", 2, List.of("a", "b"), Set.of("a", "x", "y"), Set.of());

        assertThat(account.found()).isEqualTo(1);
        assertThat(account.lost()).isEqualTo(1);
    }

    @Test
    void unverifiedQuestionsAreNotCountedAsLost() {
        ClusterLoss.Account account = ClusterLoss.account("gateway 3", 3, List.of("a", "b", "c"), Set.of("a"),
                Set.of("a", "b"));

        assertThat(account.unverified()).isEqualTo(1);
        assertThat(account.lost()).isEqualTo(1);
        assertThat(ClusterLoss.unverified(List.of(account, account))).isEqualTo(2);
    }

    @Test
    void lossesAddUpOverGateways() {
        assertThat(ClusterLoss.lost(List.of(new ClusterLoss.Account("gateway 1", 5, 5, 5, 0),
                new ClusterLoss.Account("gateway 2", 4, 6, 2, 0), new ClusterLoss.Account("gateway 3", 3, 3, 2, 0))))
                .isEqualTo(3);
    }

    @Test
    void readsTheAdmissionOutcomesOfAPrometheusScrape() {
        String scrape = """
                # HELP iccache_bank_admissions_total Admission candidates by outcome (admitted, merged, ...).
                # TYPE iccache_bank_admissions_total counter
                iccache_bank_admissions_total{outcome="admitted"} 41.0
                iccache_bank_admissions_total{outcome="failed"} 2.0
                iccache_bank_admissions_total_created{outcome="admitted"} 1.7E9
                iccache_bank_pii_found_total{kind="email"} 3.0
                """;

        assertThat(ClusterLoss.admissions(scrape)).isEqualTo(Map.of("admitted", 41L, "failed", 2L));
        assertThat(ClusterLoss.admissions("")).isEmpty();
    }
}
