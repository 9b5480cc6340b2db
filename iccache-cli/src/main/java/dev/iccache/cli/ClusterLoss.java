package dev.iccache.cli;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The loss accounting of {@code iccache cluster-demo}: per gateway, the admissions its store acknowledged
 * (its {@code iccache_bank_admissions_total{outcome="admitted"}}, each one new example of a distinct
 * question) against the examples of its questions still found in the shared bank. Acknowledged but
 * missing examples are lost; found ones beyond the acknowledged count (written just before a kill, or
 * acknowledged after the last scrape) are no loss.
 */
final class ClusterLoss {
    private ClusterLoss() {
    }

    /**
     * One gateway's account: acknowledged admissions, its answered questions, those found in the bank,
     * and those no search could answer for (every attempt failed).
     */
    record Account(String gateway, long acknowledged, int answered, int found, int unverified) {
        /** Acknowledged examples missing from the bank; an unverified question is not counted as one. */
        long lost() {
            return Math.max(0, acknowledged - found - unverified);
        }
    }

    /**
     * The account of {@code gateway} from its answered questions, the questions found in the bank and
     * those whose searches all failed.
     */
    static Account account(String gateway, long acknowledged, Collection<String> answered, Set<String> found,
            Set<String> unverified) {
        return new Account(gateway, acknowledged, answered.size(),
                (int) answered.stream().filter(found::contains).count(),
                (int) answered.stream().filter(q -> !found.contains(q) && unverified.contains(q)).count());
    }

    /** Acknowledged examples lost over every gateway (a lower bound when some are unverified). */
    static long lost(Collection<Account> accounts) {
        return accounts.stream().mapToLong(Account::lost).sum();
    }

    /** Questions over every gateway whose searches all failed. */
    static long unverified(Collection<Account> accounts) {
        return accounts.stream().mapToLong(Account::unverified).sum();
    }

    /**
     * The samples of {@code iccache_bank_admissions_total} in a Prometheus text scrape, by outcome
     * (absent outcomes have none).
     */
    static Map<String, Long> admissions(String metrics) {
        Map<String, Long> byOutcome = new TreeMap<>();
        String prefix = "iccache_bank_admissions_total{";
        for (String line : metrics.lines().toList()) {
            if (!line.startsWith(prefix)) {
                continue;
            }
            int at = line.indexOf("outcome=\"");
            int close = line.lastIndexOf('}');
            if (at < 0 || close < at) {
                continue;
            }
            String outcome = line.substring(at + 9, line.indexOf('"', at + 9));
            String value = line.substring(close + 1).trim().split(" ")[0];
            byOutcome.merge(outcome, (long) Double.parseDouble(value), Long::sum);
        }
        return byOutcome;
    }
}
