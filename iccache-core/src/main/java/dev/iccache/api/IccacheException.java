package dev.iccache.api;

import java.util.Objects;
import java.util.Optional;

/**
 * The one unchecked exception of iccache: a failure with a {@link ErrorKind} (status, type,
 * retriability), an optional offending parameter and an optional machine-readable code.
 */
public class IccacheException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final String param;
    private final String code;

    public IccacheException(ErrorKind kind, String message, String param, String code, Throwable cause) {
        super(Objects.requireNonNull(message), cause);
        this.kind = Objects.requireNonNull(kind);
        this.param = param;
        this.code = code;
    }

    public static IccacheException invalid(String param, String message) {
        return new IccacheException(ErrorKind.INVALID_REQUEST, message, param, null, null);
    }

    public static IccacheException of(ErrorKind kind, String message) {
        return new IccacheException(kind, message, null, null, null);
    }

    public ErrorKind kind() {
        return kind;
    }

    public boolean retriable() {
        return kind.retriable();
    }

    /** The request parameter at fault, if any. */
    public Optional<String> param() {
        return Optional.ofNullable(param);
    }

    /** A machine-readable code such as {@code model_not_found}, if any. */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }
}
