package dev.iccache.store.cassandra;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import java.util.UUID;

/**
 * Compare-and-set by lightweight transaction (Paxos) on a version column that each write sets to a fresh random
 * UUID, so that a write whose outcome Cassandra could not tell can be told apart by reading the version.
 */
final class LightweightTransactions {
    /** Attempts at a compare-and-set, and at reading the outcome Cassandra could not tell. */
    static final int ATTEMPTS = 20;

    private LightweightTransactions() {
    }

    /**
     * Runs {@code cas}, a conditional write that sets {@code versionColumn} to {@code written}; whether it was
     * applied. When Cassandra cannot tell (a contended Paxos round, {@link CASWriteUnknownException}, or a write
     * timeout), {@code versionRead} at SERIAL, which completes any round in progress, tells whether this write won.
     *
     * @param what what is written, for errors ("statistics of example e1")
     */
    static boolean applied(CqlSession session, BoundStatement cas, BoundStatement versionRead, String versionColumn,
            UUID written, String what) {
        try {
            return session.execute(cas).wasApplied();
        } catch (CASWriteUnknownException | WriteTimeoutException e) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                try {
                    Row now = session.execute(versionRead.setConsistencyLevel(ConsistencyLevel.SERIAL)).one();
                    return now != null && written.equals(now.getUuid(versionColumn));
                } catch (CASWriteUnknownException | ReadTimeoutException | WriteTimeoutException again) {
                    // the SERIAL read is a Paxos round too, and may lose to the same contention: read again
                } catch (DriverException again) {
                    throw CassandraExampleStore.unavailable("writing " + what, again);
                }
            }
            throw contended(what);
        } catch (DriverException e) {
            throw CassandraExampleStore.unavailable("writing " + what, e);
        }
    }

    /** The error when no compare-and-set on {@code what} settled in {@link #ATTEMPTS} attempts. */
    static IccacheException contended(String what) {
        return new IccacheException(ErrorKind.OVERLOADED, what + " is contended: no compare-and-set settled in "
                + ATTEMPTS + " attempts; giving up", null, "store_contention", null);
    }
}
