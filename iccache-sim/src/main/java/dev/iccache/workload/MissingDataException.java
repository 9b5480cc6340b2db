package dev.iccache.workload;

/**
 * The shared evaluation data, or a file in it, is not where it was expected. The message names
 * the expected path and where the data comes from.
 */
public final class MissingDataException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public MissingDataException(String message) {
        super(message);
    }
}
