package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.config.IccacheConfig;
import dev.iccache.gateway.Gateway;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.select.RecentLog;
import dev.iccache.metrics.Metrics;
import dev.iccache.tenant.TenantResolver;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The operator dashboard under {@code /dashboard}: a server-rendered page with a small script that
 * polls {@code /dashboard/api/state} (time series, recent decisions, the bank) and searches and
 * deletes examples through the admin API's own handlers. Everything but the login form and the
 * static assets needs the admin key: as {@code Authorization: Bearer}, or once in the login form,
 * which opens a session held in an HttpOnly, SameSite=Strict cookie. Unauthenticated, pages
 * redirect to the login form and data answers 401 (403 while the admin API is off). It is built
 * once per process: its sessions, time series and recent decisions outlive configuration reloads,
 * and it shows the gateway of the configuration in force.
 */
final class DashboardRoutes {
    static final String COOKIE = "iccache_dashboard";
    /** Recent routing decisions kept. */
    static final int DECISIONS = 50;
    /** How often the time series is sampled, and how many points it keeps (ten minutes). */
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(2);
    static final int POINTS = 300;
    /** How long a session lasts, and how many may be open at once. */
    static final Duration SESSION_TTL = Duration.ofHours(12);
    static final int MAX_SESSIONS = 1000;
    /** How long the bank's summary (a scan of every example) is reused. */
    static final Duration BANK_SUMMARY_AGE = Duration.ofSeconds(10);
    private static final System.Logger LOG = System.getLogger(DashboardRoutes.class.getName());
    private static final String LOGIN = "/dashboard/login";
    /** The bundled assets: name to content type. */
    private static final Map<String, String> ASSETS = Map.of("dashboard.js", "text/javascript; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8");
    /** The most a login form may send. */
    private static final int MAX_FORM_BYTES = 4096;

    private final AdminKey adminKey;
    private final DashboardSessions sessions;
    private final DashboardSeries series;
    private final RecentDecisions decisions;
    private final RecentLog<ModelRouting.Verdict> verdicts;
    private final Optional<BankSummary> bank;
    private final Optional<AdminRoutes> admin;
    private final Supplier<Gateway> gateway;
    private final BodyBudget bodies;

    DashboardRoutes(AdminKey adminKey, DashboardSessions sessions, DashboardSeries series, RecentDecisions decisions,
            RecentLog<ModelRouting.Verdict> verdicts, Optional<BankSummary> bank, Optional<AdminRoutes> admin,
            Supplier<Gateway> gateway, BodyBudget bodies) {
        this.adminKey = adminKey;
        this.sessions = sessions;
        this.series = series;
        this.decisions = decisions;
        this.verdicts = verdicts;
        this.bank = bank;
        this.admin = admin;
        this.gateway = gateway;
        this.bodies = bodies;
    }

    /**
     * The dashboard of the gateway {@code gateway} supplies (the one in force), in real time, with its time series
     * sampled every {@link #SAMPLE_EVERY} on {@code scheduler} and the shadow runs' verdicts its routings keep in
     * {@code verdicts}.
     */
    static DashboardRoutes create(AdminKey adminKey, RecentDecisions decisions,
            RecentLog<ModelRouting.Verdict> verdicts, Metrics registry, Optional<ExampleBank> bank,
            Optional<AdminRoutes> admin, Supplier<Gateway> gateway, BodyBudget bodies,
            ScheduledExecutorService scheduler) {
        InstantSource clock = InstantSource.system();
        DashboardSeries series = new DashboardSeries(registry, clock, POINTS);
        scheduler.scheduleAtFixedRate(() -> {
            try {
                series.sample();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "dashboard sampling failed; will retry: " + e.getMessage());
            }
        }, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return new DashboardRoutes(adminKey, new DashboardSessions(clock, new SecureRandom(), SESSION_TTL,
                MAX_SESSIONS), series, decisions, verdicts, bank.map(b -> new BankSummary(b.store(), registry, clock,
                BANK_SUMMARY_AGE)), admin, gateway, bodies);
    }

    void register(HttpRules r) {
        r.get("/dashboard", this::page);
        r.get(LOGIN, (req, res) -> sendHtml(res, adminKey.enabled() ? 200 : 403, loginPage(req)));
        r.post(LOGIN, this::login);
        r.post("/dashboard/logout", this::logout);
        r.get("/dashboard/assets/{name}", this::asset);
        r.get("/dashboard/api/state", data(this::state));
        admin.ifPresent(a -> a.registerBankEdits(r, "/dashboard/api", this::data));
        GatewayServer.methodNotAllowed(r, "/dashboard", LOGIN, "/dashboard/logout", "/dashboard/api/state");
    }

    /** Whether the request carries the admin key or a live session. */
    private boolean signedIn(ServerRequest req) {
        return adminKey.matches(TenantResolver.bearer(req.headers().first(HeaderNames.AUTHORIZATION)))
                || session(req).filter(sessions::valid).isPresent();
    }

    /** {@code handler} for signed-in requests; others get 403 with the admin API off, else 401. */
    private Handler data(Handler handler) {
        return (req, res) -> {
            try {
                if (!signedIn(req)) {
                    adminKey.require(Optional.empty());
                }
                handler.handle(req, res);
            } catch (IccacheException e) {
                OpenAiHttp.sendError(res, e.kind() == ErrorKind.AUTHENTICATION ? new IccacheException(
                        ErrorKind.AUTHENTICATION, "Sign in at " + LOGIN + " or send 'Authorization: Bearer "
                        + "ADMIN_KEY'.", null, "invalid_api_key", null) : e);
            }
        };
    }

    private void page(ServerRequest req, ServerResponse res) {
        if (!signedIn(req)) {
            redirect(res, LOGIN);
            return;
        }
        Gateway current = gateway.get();
        IccacheConfig config = current.config();
        StringBuilder models = new StringBuilder();
        for (BoundedBackend b : current.backends()) {
            models.append("<li><code>").append(escape(b.config().name())).append("</code> (")
                    .append(b.config().role().name().toLowerCase(java.util.Locale.ROOT)).append(")</li>");
        }
        sendHtml(res, 200, resource("dashboard.html")
                .replace("{{virtual_model}}", escape(config.virtualModel()))
                .replace("{{default_model}}", escape(config.defaultModel()))
                .replace("{{models}}", models.toString())
                .replace("{{quality_floor}}", Double.toString(config.router().qualityFloor()))
                .replace("{{judge_budget}}", Integer.toString(config.router().judgeBudgetPerMinute()))
                .replace("{{routing}}", current.routing().isPresent() ? "on" : "off")
                .replace("{{bank}}", bank.isPresent() ? "on" : "off"));
    }

    private String loginPage(ServerRequest req) {
        String message = !adminKey.enabled()
                ? "The dashboard is off: set the admin key's environment variable ("
                        + escape(gateway.get().config().adminApiKeyEnv()) + ") and restart."
                : req.query().first("failed").isPresent() ? "That is not the admin key." : "";
        return resource("login.html").replace("{{message}}", message)
                .replace("{{disabled}}", adminKey.enabled() ? "" : "disabled");
    }

    /** The login form: the admin key opens a session; anything else goes back to the form. */
    private void login(ServerRequest req, ServerResponse res) {
        String key;
        try (BodyBudget.Reservation body = bodies.open()) {
            key = formField(new String(OpenAiHttp.readBody(req, MAX_FORM_BYTES, body), StandardCharsets.UTF_8),
                    "key");
        } catch (IccacheException | UncheckedIOException e) {
            redirect(res, LOGIN + "?failed=1");
            return;
        }
        if (!adminKey.matches(Optional.of(key))) {
            redirect(res, LOGIN + "?failed=1");
            return;
        }
        res.header(HeaderNames.SET_COOKIE, COOKIE + "=" + sessions.open() + "; Path=/dashboard; HttpOnly; "
                + "SameSite=Strict; Max-Age=" + sessions.ttl().toSeconds());
        redirect(res, "/dashboard");
    }

    private void logout(ServerRequest req, ServerResponse res) {
        session(req).ifPresent(sessions::close);
        res.header(HeaderNames.SET_COOKIE, COOKIE + "=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0");
        redirect(res, LOGIN);
    }

    private void asset(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        String type = ASSETS.get(name);
        if (type == null) {
            OpenAiHttp.sendError(res, new IccacheException(ErrorKind.NOT_FOUND, "No dashboard asset '" + name + "'.",
                    null, "unknown_url", null));
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, type);
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send(resource(name).getBytes(StandardCharsets.UTF_8));
    }

    private void state(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object();
        body.set("series", series.points());
        body.set("decisions", decisions.toJson(verdicts::get));
        bank.ifPresent(b -> body.set("bank", b.get()));
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        OpenAiHttp.sendJson(res, 200, body);
    }

    private static Optional<String> session(ServerRequest req) {
        for (String header : req.headers().all(HeaderNames.COOKIE, java.util.List::of)) {
            for (String pair : header.split(";")) {
                String p = pair.strip();
                if (p.startsWith(COOKIE + "=")) {
                    return Optional.of(p.substring(COOKIE.length() + 1));
                }
            }
        }
        return Optional.empty();
    }

    /** One field of an {@code application/x-www-form-urlencoded} body ("" when absent). */
    static String formField(String form, String name) {
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    private static void redirect(ServerResponse res, String location) {
        res.status(Status.SEE_OTHER_303);
        res.header(HeaderNames.LOCATION, location);
        res.send();
    }

    private static void sendHtml(ServerResponse res, int status, String html) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.create("Content-Security-Policy"), "default-src 'self'; img-src 'self' data:; "
                + "frame-ancestors 'none'");
        res.send(html.getBytes(StandardCharsets.UTF_8));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    private static String resource(String name) {
        try (InputStream in = DashboardRoutes.class.getResourceAsStream("dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard asset " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
