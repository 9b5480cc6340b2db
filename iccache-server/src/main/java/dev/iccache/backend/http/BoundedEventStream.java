package dev.iccache.backend.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A server-sent-event body that may carry at most {@code maxStreamBytes} in all and at most
 * {@code maxEventBytes} in one event (the bytes between two blank lines, line breaks excluded).
 * Reading past either bound throws {@link TooLarge}, so a line is never buffered beyond it.
 */
final class BoundedEventStream extends FilterInputStream {
    /** A bound was exceeded; the rest of the stream is never read. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;
        private final boolean event;
        private final long limit;

        TooLarge(boolean event, long limit) {
            super((event ? "stream event" : "stream") + " larger than " + limit + " bytes");
            this.event = event;
            this.limit = limit;
        }

        /** True when one event was too large, false when the whole stream was. */
        boolean isEvent() {
            return event;
        }

        long limit() {
            return limit;
        }
    }

    private final long maxEventBytes;
    private final long maxStreamBytes;
    private long streamBytes;
    private long eventBytes;
    private long lineBytes;
    private int previous = -1;

    BoundedEventStream(InputStream in, long maxEventBytes, long maxStreamBytes) {
        super(in);
        this.maxEventBytes = maxEventBytes;
        this.maxStreamBytes = maxStreamBytes;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n <= 0) {
            return n;
        }
        streamBytes += n;
        if (streamBytes > maxStreamBytes) {
            throw new TooLarge(false, maxStreamBytes);
        }
        for (int i = off; i < off + n; i++) {
            int c = b[i];
            if (c == '\n' || c == '\r') {
                boolean secondHalfOfCrLf = c == '\n' && previous == '\r';
                if (lineBytes == 0 && !secondHalfOfCrLf) {
                    eventBytes = 0; // a blank line ends the event
                }
                lineBytes = 0;
            } else {
                lineBytes++;
                if (++eventBytes > maxEventBytes) {
                    throw new TooLarge(true, maxEventBytes);
                }
            }
            previous = c;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        return n <= 0 ? 0 : Math.max(0, read(new byte[(int) Math.min(n, 8192)])); // counted like any read
    }
}
