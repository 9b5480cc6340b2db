package dev.iccache.server;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.http.DirectHandler.EventType;
import io.helidon.http.RequestException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection, between Helidon's socket and its HTTP/1 connection. It times each request
 * (the headers must arrive within {@code server.header-timeout-ms} of its first byte, the body
 * within {@code server.body-timeout-ms} of the headers; else 408 and the connection is closed),
 * closes the connection after a response that says {@code Connection: close} (Helidon 4.5 keeps
 * reading), accepts chunk extensions and trailers (Helidon rejects both) and adapts HTTP/1.0
 * clients ({@link Http10}). Helidon runs a connection and its handlers on one thread, so a
 * handler finds its connection with {@link #current()}.
 */
final class GuardedConnection implements ConnectionContext, ServerConnection {
    private static final System.Logger LOG = System.getLogger(GuardedConnection.class.getName());
    private static final ThreadLocal<GuardedConnection> CURRENT = new ThreadLocal<>();
    /** Longest chunk size line (size and extensions) and trailer line. */
    private static final int MAX_CHUNK_LINE = 4096;

    private enum Phase { IDLE, HEAD, BODY, HANDLING, CLOSING }

    private final ConnectionContext socket;
    private final DataReader source;
    private final Reader reader = new Reader();
    private final Writer writer;
    private final ScheduledExecutorService timer;
    private final long headerTimeoutMs;
    private final long bodyTimeoutMs;
    private final ServerConnection http1;
    private volatile boolean http10;
    private boolean adapted;
    private Phase phase = Phase.IDLE;
    private long generation;
    private ScheduledFuture<?> deadline;
    private boolean timedOut;

    GuardedConnection(ConnectionContext socket, Http1ConnectionSelector http1, ScheduledExecutorService timer,
            long headerTimeoutMs, long bodyTimeoutMs) {
        this.socket = socket;
        this.source = socket.dataReader();
        this.writer = new Writer(socket.dataWriter());
        this.timer = timer;
        this.headerTimeoutMs = headerTimeoutMs;
        this.bodyTimeoutMs = bodyTimeoutMs;
        this.http1 = http1.connection(this);
    }

    /** The connection whose request this thread is serving, if it is one of these. */
    static Optional<GuardedConnection> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    @Override
    public void handle(Limit limit) throws InterruptedException {
        CURRENT.set(this);
        try {
            http1.handle(limit);
        } finally {
            CURRENT.remove();
            enter(Phase.CLOSING);
        }
    }

    /** The request's headers were read; a body, if any, must follow in time. */
    void headersRead(boolean hasBody) {
        if (hasBody) {
            arm(Phase.BODY, bodyTimeoutMs);
        } else {
            enter(Phase.HANDLING);
        }
    }

    /** The handler read the whole request body. */
    void bodyRead() {
        enter(Phase.HANDLING);
    }

    /** Whether a body was announced and not (wholly) read: the connection cannot carry another request. */
    synchronized boolean bodyPending() {
        return phase == Phase.BODY;
    }

    /** Whether a deadline closed this connection. */
    synchronized boolean timedOut() {
        return timedOut;
    }

    /**
     * The response was sent; with {@code close}, or with a body not read, the connection ends instead
     * of reading another request.
     */
    synchronized void responded(boolean close) {
        enter(close || phase == Phase.BODY ? Phase.CLOSING : Phase.IDLE);
    }

    private synchronized void enter(Phase next) {
        if (phase == Phase.CLOSING) {
            return;
        }
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        generation++;
        phase = next;
    }

    private synchronized void arm(Phase next, long timeoutMs) {
        enter(next);
        if (phase == next) {
            long g = generation;
            deadline = timer.schedule(() -> expire(g), timeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    /** Bytes arrived: when they start a request, its headers must follow in time. */
    private synchronized void arrived() {
        if (phase == Phase.IDLE) {
            arm(Phase.HEAD, headerTimeoutMs);
        }
    }

    private void expire(long g) {
        Phase expired;
        synchronized (this) {
            if (g != generation || phase == Phase.CLOSING) {
                return;
            }
            expired = phase;
            phase = Phase.CLOSING;
            timedOut = true;
        }
        boolean head = expired == Phase.HEAD;
        String message = "The request " + (head ? "headers" : "body") + " did not arrive within "
                + (head ? headerTimeoutMs : bodyTimeoutMs) + " ms (server." + (head ? "header" : "body")
                + "-timeout-ms); the connection is closed.";
        LOG.log(Level.INFO, "closing the connection from " + socket.remotePeer().address() + ": " + message);
        // On the listener's executor: a write may block, and the timer thread serves every deadline.
        socket.executor().submit(() -> {
            try {
                socket.dataWriter().writeNow(BufferData.create(ProtocolErrors.response(
                        IccacheException.of(ErrorKind.REQUEST_TIMEOUT, message))));
            } catch (RuntimeException e) {
                // the client is gone already
            }
            socket.serverSocket().close();
        });
        // A client that does not read would hold that write; the connection is closed all the same.
        timer.schedule(() -> socket.serverSocket().close(), 1, TimeUnit.SECONDS);
    }

    /** Bytes from the socket. */
    private byte[] pull() {
        byte[] bytes = read();
        if (bytes == null) {
            return null;
        }
        arrived();
        if (!adapted) {
            adapted = true;
            Http10.Adapted first = Http10.adapt(bytes, this::read);
            http10 = first.http10();
            bytes = first.bytes();
        }
        return bytes;
    }

    private synchronized boolean closing() {
        return phase == Phase.CLOSING;
    }

    private byte[] read() {
        try {
            if (source.available() == 0) {
                source.pullData();
            }
            return source.readBytes(source.available());
        } catch (DataReader.InsufficientDataAvailableException e) {
            return null;
        }
    }

    /**
     * Helidon's reader over {@link #pull()}. Helidon reads only chunk size lines and the line after
     * the last chunk with {@code readLine}; here chunk extensions are dropped ({@code 3;name=value} is
     * size 3), trailer fields are skipped, and a line is at most {@link #MAX_CHUNK_LINE} bytes.
     */
    private final class Reader extends DataReader {
        private boolean afterLastChunk;

        // Helidon 4.5 deprecates DataReader's constructors; extending it is the one way to change readLine.
        @SuppressWarnings("removal")
        Reader() {
            super(GuardedConnection.this::pull, false);
        }

        /** Once the connection is closing, bytes already read (a pipelined request, the rest of a body) are not served. */
        @Override
        public void ensureAvailable() {
            if (closing()) {
                throw new InsufficientDataAvailableException();
            }
            super.ensureAvailable();
        }

        @Override
        public String readLine() {
            String line = boundedLine();
            if (afterLastChunk) {
                afterLastChunk = false;
                while (!line.isEmpty()) {
                    line = boundedLine();
                }
                return line;
            }
            int ext = line.indexOf(';');
            String size = ext < 0 ? line : line.substring(0, ext).stripTrailing();
            afterLastChunk = !size.isEmpty() && size.chars().allMatch(c -> c == '0');
            return size;
        }

        private String boundedLine() {
            int length = findNewLine(MAX_CHUNK_LINE);
            if (length >= MAX_CHUNK_LINE) {
                throw RequestException.builder().type(EventType.BAD_REQUEST)
                        .message("A chunk size or trailer line is longer than " + MAX_CHUNK_LINE + " bytes.").build();
            }
            String line = readAsciiString(length);
            skip(2);
            return line;
        }
    }

    /** Helidon's writer, unframing chunked responses for an HTTP/1.0 client. */
    private final class Writer implements DataWriter {
        private final DataWriter socketWriter;
        private final Http10.Unchunker unchunker = new Http10.Unchunker();

        Writer(DataWriter socketWriter) {
            this.socketWriter = socketWriter;
        }

        @Override
        public void write(BufferData... buffers) {
            for (BufferData b : buffers) {
                write(b);
            }
        }

        @Override
        public void write(BufferData buffer) {
            if (http10) {
                socketWriter.write(BufferData.create(unchunker.next(buffer.readBytes())));
            } else {
                socketWriter.write(buffer);
            }
        }

        @Override
        public void writeNow(BufferData... buffers) {
            for (BufferData b : buffers) {
                writeNow(b);
            }
        }

        @Override
        public void writeNow(BufferData buffer) {
            if (http10) {
                socketWriter.writeNow(BufferData.create(unchunker.next(buffer.readBytes())));
            } else {
                socketWriter.writeNow(buffer);
            }
        }

        @Override
        public void flush() {
            socketWriter.flush();
        }

        @Override
        public void close() {
            socketWriter.close();
        }
    }

    @Override
    public Duration idleTime() {
        return http1.idleTime();
    }

    @Override
    public void close(boolean interrupt) {
        http1.close(interrupt);
    }

    @Override
    public DataReader dataReader() {
        return reader;
    }

    @Override
    public DataWriter dataWriter() {
        return writer;
    }

    @Override
    public ListenerContext listenerContext() {
        return socket.listenerContext();
    }

    @Override
    public ExecutorService executor() {
        return socket.executor();
    }

    @Override
    public Router router() {
        return socket.router();
    }

    @Override
    public Optional<ProxyProtocolData> proxyProtocolData() {
        return socket.proxyProtocolData();
    }

    @Override
    public HelidonSocket serverSocket() {
        return socket.serverSocket();
    }

    @Override
    public PeerInfo remotePeer() {
        return socket.remotePeer();
    }

    @Override
    public PeerInfo localPeer() {
        return socket.localPeer();
    }

    @Override
    public boolean isSecure() {
        return socket.isSecure();
    }

    @Override
    public String socketId() {
        return socket.socketId();
    }

    @Override
    public String childSocketId() {
        return socket.childSocketId();
    }
}
