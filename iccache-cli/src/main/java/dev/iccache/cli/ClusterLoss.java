package dev.iccache.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
     * What {@code cluster-demo --check} fails on (empty: passed): gateway 3 selected no example of gateway 1's,
     * acknowledged examples lost or not verifiable, a client error on a surviving gateway, or more errors on the
     * killed gateway than its clients can have had requests in flight (one each).
     *
     * @param selected      examples gateway 3 put into the small model's prompt for a like question
     * @param accounts      every gateway's account
     * @param errors        the clients' errors, each {@code "gateway N: what"}
     * @param killedGateway the number of the gateway killed under the load
     * @param clients       the load's client threads
     */
    static List<String> failures(int selected, Collection<Account> accounts, Collection<String> errors,
            int killedGateway, int clients) {
        List<String> failures = new ArrayList<>();
        if (selected < 1) {
            failures.add("gateway 3 selected no example for a question like gateway 1's");
        }
        if (lost(accounts) > 0) {
            failures.add(lost(accounts) + " acknowledged example(s) lost");
        }
        if (unverified(accounts) > 0) {
            failures.add(unverified(accounts) + " answered question(s) could not be looked up (every search failed)");
        }
        Map<String, Long> byGateway = new TreeMap<>();
        errors.forEach(e -> byGateway.merge(e.substring(0, Math.max(0, e.indexOf(':'))), 1L, Long::sum));
        String killed = "gateway " + killedGateway;
        byGateway.forEach((gateway, n) -> {
            if (!gateway.equals(killed)) {
                failures.add(gateway + ", which survived: " + n + " client error(s)");
            } else if (n > clients) {
                failures.add(gateway + ": " + n + " client errors, more than the " + clients
                        + " requests its clients can have had in flight when it was killed");
            }
        });
        return failures;
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
