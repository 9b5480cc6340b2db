package dev.iccache.server;

import dev.iccache.config.ServerConfig;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.DirectHandler.EventType;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The gateway's HTTP/1 listener on Helidon: every connection is a {@link GuardedConnection}
 * (request timeouts, {@code Connection: close} honoured, chunk extensions and trailers, HTTP/1.0),
 * the request body is limited to {@code server.max-body-bytes} while it is read, and protocol
 * errors are answered by {@link ProtocolErrors}. Install it with {@link #configure} and route every
 * request through {@link #filter()}.
 */
final class HttpGuard implements ServerConnectionSelector {
    private final ServerConfig config;
    private final ScheduledExecutorService timer;
    private final Http1ConnectionSelector http1 = Http1ConnectionSelector.builder().config(Http1Config.create())
            .build();

    /** @param timer runs the request deadlines; must not block */
    HttpGuard(ServerConfig config, ScheduledExecutorService timer) {
        this.config = config;
        this.timer = timer;
    }

    /** Makes this the listener's only connection selector, with its limits and error responses. */
    void configure(WebServerConfig.Builder listener) {
        ProtocolErrors errors = new ProtocolErrors(config.maxBodyBytes());
        DirectHandlers.Builder handlers = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            handlers.addHandler(type, errors);
        }
        listener.protocolsDiscoverServices(false)
                .connectionSelectors(List.of(this))
                .maxPayloadSize(config.maxBodyBytes())
                .errorHandling(e -> e.includeEntity(true))
                .directHandlers(handlers.build());
    }

    /**
     * Marks the phases of each request on its connection: headers read when routing starts, the
     * response sent when it ends. A response sent before the body was read closes the connection.
     */
    Filter filter() {
        return (chain, req, res) -> {
            Optional<GuardedConnection> connection = GuardedConnection.current();
            if (connection.isEmpty()) {
                chain.proceed();
                return;
            }
            GuardedConnection c = connection.get();
            c.headersRead(req.content().hasEntity());
            res.beforeSend(() -> {
                if (c.bodyPending()) {
                    res.header(HeaderValues.CONNECTION_CLOSE);
                }
            });
            try {
                chain.proceed();
            } finally {
                c.responded(req.headers().containsToken(HeaderValues.CONNECTION_CLOSE)
                        || res.headers().containsToken(HeaderValues.CONNECTION_CLOSE));
            }
        };
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData data) {
        return Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return new GuardedConnection(ctx, http1, timer, config.headerTimeoutMs(), config.bodyTimeoutMs());
    }
}
