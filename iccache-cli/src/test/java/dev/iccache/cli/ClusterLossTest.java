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

    @Test
    void theCheckPassesOnlyWithTheExampleSelectedNothingLostAndErrorsOnlyInFlightOnTheKilledGateway() {
        List<ClusterLoss.Account> clean = List.of(new ClusterLoss.Account("gateway 1", 5, 5, 5, 0),
                new ClusterLoss.Account("gateway 2", 4, 4, 4, 0));
        assertThat(ClusterLoss.failures(1, clean, List.of("gateway 2: ConnectException", "gateway 2: HTTP 502"), 2, 3))
                .isEmpty();

        assertThat(ClusterLoss.failures(0, clean, List.of(), 2, 3)).singleElement().asString()
                .contains("selected no example");
        assertThat(ClusterLoss.failures(1, List.of(new ClusterLoss.Account("gateway 1", 5, 5, 4, 0)), List.of(), 2, 3))
                .singleElement().asString().isEqualTo("1 acknowledged example(s) lost");
        assertThat(ClusterLoss.failures(1, List.of(new ClusterLoss.Account("gateway 1", 5, 5, 4, 1)), List.of(), 2, 3))
                .singleElement().asString().contains("could not be looked up");
        assertThat(ClusterLoss.failures(1, clean, List.of("gateway 3: HTTP 503"), 2, 3)).singleElement().asString()
                .isEqualTo("gateway 3, which survived: 1 client error(s)");
        assertThat(ClusterLoss.failures(1, clean, List.of("gateway 2: A", "gateway 2: B", "gateway 2: C",
                "gateway 2: D"), 2, 3)).singleElement().asString().contains("more than the 3 requests");
    }
}
