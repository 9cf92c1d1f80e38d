// Package web is the node's router: it mounts the routes of wellknown
// (discovery), activitypub (the protocol GETs), the inbox, client (the client
// API) and the pages, behind the middleware every request goes through
// (request id, recovery, metrics, request log), and serves /healthz and
// /metrics.
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/oauth"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/streaming"
	"github.com/archipel-social/archipel/web/activitypub"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/client"
	"github.com/archipel-social/archipel/web/files"
	"github.com/archipel-social/archipel/web/ratelimit"
	"github.com/archipel-social/archipel/web/respond"
	"github.com/archipel-social/archipel/web/wellknown"
)

// Version is the software version NodeInfo, /api/v1/instance and the
// outgoing User-Agent report.
var Version = "0.1.0"

// Deps is what the handlers need.
type Deps struct {
	Store     *store.Store
	Links     ap.Links
	Accounts  *accounts.Service
	Outbox    *outbox.Outbox
	Federator *federation.Federator
	Log       *slog.Logger
	Metrics   *Metrics
	// PingQueue reports whether Redis answers, for /healthz.
	PingQueue func(ctx context.Context) error
	// Inbox receives POSTs to the shared and per-actor inboxes.
	Inbox http.Handler
	// Pages serves the web interface (HTML pages, forms, assets) for every
	// path no other route takes.
	Pages http.Handler
	// WriteLimiter bounds each account's writes through the API (nil: none).
	WriteLimiter *ratelimit.Limiter
	// ObservatoryPublic publishes the node's aggregates (/observatory.json).
	ObservatoryPublic bool
	// Viewer identifies the actor behind a signed GET (authorised fetch);
	// nil when the node does not verify GETs.
	Viewer func(r *http.Request) (*store.Actor, error)
	// MetricsAllow are the networks whose clients may read /metrics
	// (ARCHIPEL_METRICS_ALLOW); none: nobody.
	MetricsAllow []netip.Prefix
	// OAuth runs the apps, tokens and scopes of the client API.
	OAuth *oauth.Service
	// Instance is how the node presents itself to Mastodon apps.
	Instance client.InstanceInfo
	// PushKey is the node's VAPID public key (Web Push).
	PushKey string
	// Streams carries committed changes to the streaming API.
	Streams *streaming.Bus
	// TrustedProxies are the CIDRs whose X-Forwarded-For gives the client
	// address (none: the TCP peer is the client).
	TrustedProxies []string
}

// Server is the node's HTTP handler.
type Server struct {
	Deps
	router chi.Router
}

// New builds the router: the shared middleware, then each package's routes.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	s := &Server{Deps: d}
	r := chi.NewRouter()
	// Bad text in an address or a form is refused before any handler reads
	// it: as JSON, or as a page when a browser asked for one.
	var badTextPage func(http.ResponseWriter, *http.Request, int)
	if p, ok := d.Pages.(interface {
		BadTextPage(http.ResponseWriter, *http.Request, int)
	}); ok {
		badTextPage = p.BadTextPage
	}
	r.Use(requestID, middleware.Recoverer, s.Metrics.instrument, s.logRequests, respond.CheckTextWith(badTextPage), clientIP(d.TrustedProxies))

	r.Get("/healthz", s.healthz)
	r.Handle("/metrics", allowFrom(d.MetricsAllow, s.Metrics.Handler()))
	// Browser clients on other origins call the API, the token endpoints
	// and the discovery documents; pages and /oauth/authorize stay
	// same-origin.
	cors := r.With(auth.CORS)
	(&wellknown.Handler{Store: d.Store, Links: d.Links, Version: Version, Registrations: d.Accounts.RegistrationMode}).Routes(cors)
	tokens := &auth.OAuth{OAuth: d.OAuth, Base: d.Links.Base, ClientIP: ClientIP}
	tokens.Routes(cors)

	(&files.Media{Store: d.Store, Outbox: d.Outbox, Federator: d.Federator, Log: d.Log}).Routes(r)
	api := &client.API{Store: d.Store, Links: d.Links, Accounts: d.Accounts, Outbox: d.Outbox, Federator: d.Federator,
		Auth: &auth.Authenticator{OAuth: d.OAuth}, WriteLimiter: d.WriteLimiter, Version: Version, ObservatoryPublic: d.ObservatoryPublic, Viewer: d.Viewer, Streams: d.Streams,
		Instance: d.Instance, PushKey: d.PushKey,
		Extra: tokens.AppRoutes}
	protocol := &activitypub.Handler{Store: d.Store, Links: d.Links, Outbox: d.Outbox, Viewer: d.Viewer,
		GroupCalendar: api.PublicGroupFeed}
	protocol.Routes(r)
	api.FeedRoutes(r)
	if d.Inbox != nil {
		r.Post("/inbox", d.Inbox.ServeHTTP)
		r.Post("/actor/inbox", d.Inbox.ServeHTTP)
		r.Post("/users/{username}/inbox", d.Inbox.ServeHTTP)
		r.Post("/groups/{username}/inbox", d.Inbox.ServeHTTP)
	}

	api.Routes(cors)
	// Unknown paths under /api/ and /oauth/ are JSON errors, never a page.
	cors.Handle("/api/*", http.HandlerFunc(jsonNotFound))
	for _, p := range []string{"/api/*", "/oauth/token", "/oauth/revoke", "/.well-known/*", "/nodeinfo/2.1"} {
		cors.Options(p, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	}
	r.Handle("/oauth/*", http.HandlerFunc(jsonNotFound))
	if d.Pages != nil {
		r.Handle("/oauth/authorize", d.Pages)
		// A profile or group page asked for as ActivityPub answers with the
		// actor document: Mastodon and Lemmy resolve a pasted profile URL so.
		r.Get("/@{handle}", protocol.PersonOrPage(d.Pages))
		r.Get("/g/{handle}", protocol.GroupOrPage(d.Pages))
		r.Handle("/*", d.Pages)
	}
	s.router = r
	return s
}

func jsonNotFound(w http.ResponseWriter, r *http.Request) {
	respond.Error(w, http.StatusNotFound, "no such endpoint")
}

// clientIP puts the client's address in the request's context: the TCP
// peer, or, behind trusted proxies, what their X-Forwarded-For says (never
// a header a client could set itself).
func clientIP(trusted []string) func(http.Handler) http.Handler {
	if len(trusted) == 0 {
		return middleware.ClientIPFromRemoteAddr
	}
	return middleware.ClientIPFromXFF(trusted...)
}

// ClientIP is the client's address as clientIP found it.
func ClientIP(r *http.Request) string { return middleware.GetClientIP(r.Context()) }

// Routes is the route tree, for tests that walk every route.
func (s *Server) Routes() chi.Routes { return s.router }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		level := slog.LevelDebug
		if ww.Status() >= 500 {
			level = slog.LevelError
		}
		s.Log.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path, "status", ww.Status(),
			"duration", time.Since(start), "request_id", requestIDFrom(r.Context()))
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{"postgres": "ok", "redis": "ok"}
	code := http.StatusOK
	// The answer says what is down, not why: dial errors name addresses.
	if err := s.Store.Pool().Ping(ctx); err != nil {
		s.Log.Error("healthz: postgres", "err", err)
		status["postgres"], code = "unreachable", http.StatusServiceUnavailable
	}
	if s.PingQueue != nil {
		if err := s.PingQueue(ctx); err != nil {
			s.Log.Error("healthz: redis", "err", err)
			status["redis"], code = "unreachable", http.StatusServiceUnavailable
		}
	}
	respond.JSON(w, code, status)
}

// allowFrom serves next only to clients whose address (the connection's, not
// a header a client can write) is in one of the networks; 403 otherwise.
func allowFrom(networks []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if addr, err := netip.ParseAddr(host); err == nil {
			addr = addr.Unmap()
			for _, p := range networks {
				if p.Contains(addr) {
					next.ServeHTTP(w, r)
					return
				}
			}
		}
		respond.Error(w, http.StatusForbidden, "metrics are served only to the addresses in ARCHIPEL_METRICS_ALLOW")
	})
}
