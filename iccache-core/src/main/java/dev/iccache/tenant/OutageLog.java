package dev.iccache.tenant;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Logs the failures of a job that depends on a shared store once per outage: the first failure as a
 * warning, then nothing until the job works again, which is logged once. Thread-safe.
 */
public final class OutageLog {
    private final System.Logger log;
    private final String job;
    private final AtomicBoolean failing = new AtomicBoolean();

    /**
     * @param log where to log
     * @param job what works again, as the recovery line names it
     */
    public OutageLog(System.Logger log, String job) {
        this.log = log;
        this.job = job;
    }

    /** {@code what} failed with {@code e}: a warning, unless this outage was already logged. */
    public void failed(String what, RuntimeException e) {
        if (failing.compareAndSet(false, true)) {
            log.log(Level.WARNING, what + " failed; no more warnings until " + job + " works again: " + e.getMessage());
        }
    }

    /** The job worked: ends the outage, if there was one. */
    public void worked() {
        if (failing.compareAndSet(true, false)) {
            log.log(Level.INFO, job + " works again");
        }
    }
}
