// Package web is the node's HTTP surface: routing, content negotiation,
// ActivityPub GETs, WebFinger, NodeInfo, the client API and the pages.
// Handlers call accounts, outbox, inbox and store; they hold no business
// rules of their own.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// Version is the software version NodeInfo reports.
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
	WriteLimiter *Limiter
	// Viewer identifies the actor behind a signed GET (authorised fetch);
	// nil when the node does not verify GETs.
	Viewer func(r *http.Request) (*store.Actor, error)
}

// Server is the node's HTTP handler.
type Server struct {
	Deps
	router chi.Router
}

// maxJSONBody bounds client API bodies; uploads have their own limit.
const maxJSONBody = 1 << 20

// requestTimeout bounds every request except streaming ones.
const requestTimeout = 60 * time.Second

// New builds the router.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	s := &Server{Deps: d}
	r := chi.NewRouter()
	r.Use(requestID, middleware.Recoverer, s.Metrics.instrument, s.logRequests)

	r.Get("/healthz", s.healthz)
	r.Handle("/metrics", s.Metrics.Handler())
	r.Get("/.well-known/webfinger", s.webfinger)
	r.Get("/.well-known/nodeinfo", s.nodeinfoLinks)
	r.Get("/nodeinfo/2.1", s.nodeinfo)
	r.Get("/.well-known/host-meta", s.hostMeta)

	r.Get("/actor", s.instanceActor)
	r.Get("/files/{sha}", s.uploadFile)
	r.Get("/documents/{id}", s.documentAP)
	r.Route("/users/{username}", func(r chi.Router) {
		r.Get("/", s.person)
		r.Get("/outbox", s.personOutbox)
		r.Get("/followers", s.followers)
		r.Get("/following", s.following)
		r.Get("/statuses/{id}", s.note)
	})
	r.Route("/groups/{username}", func(r chi.Router) {
		r.Get("/", s.group)
		r.Get("/outbox", s.groupOutbox)
		r.Get("/followers", s.followers)
		r.Get("/members", s.groupMembers)
		r.Get("/moderators", s.groupModerators)
		r.Get("/files/{sha}", s.groupFile)
	})
	if d.Inbox != nil {
		r.Post("/inbox", d.Inbox.ServeHTTP)
		r.Post("/actor/inbox", d.Inbox.ServeHTTP)
		r.Post("/users/{username}/inbox", d.Inbox.ServeHTTP)
		r.Post("/groups/{username}/inbox", d.Inbox.ServeHTTP)
	}

	r.With(middleware.Timeout(requestTimeout), s.authenticate).Get("/api/v2/search", s.apiSearch)
	// File transfers can take longer than an API call: no request timeout.
	r.With(s.authenticate, s.limitWrites).Post("/api/v1/groups/{id}/documents", s.requireAuth(s.apiUploadDocument))
	r.With(s.authenticate, s.limitWrites).Post("/api/v1/documents/{id}/versions", s.requireAuth(s.apiDocumentVersion))
	r.With(s.authenticate).Get("/api/v1/documents/{id}/file", s.apiDocumentFile)
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(middleware.Timeout(requestTimeout), s.authenticate, s.limitWrites)
		r.Get("/instance", s.apiInstance)
		r.Get("/accounts/verify_credentials", s.requireAuth(s.apiVerifyCredentials))
		r.Patch("/accounts/update_credentials", s.requireAuth(s.apiUpdateCredentials))
		r.Get("/accounts/lookup", s.apiLookupAccount)
		r.Get("/accounts/{id}", s.apiAccount)
		r.Get("/accounts/{id}/statuses", s.apiAccountStatuses)
		r.Post("/accounts/{id}/follow", s.requireAuth(s.apiFollow))
		r.Post("/accounts/{id}/unfollow", s.requireAuth(s.apiUnfollow))
		r.Get("/accounts/relationships", s.requireAuth(s.apiRelationships))
		r.Get("/follow_requests", s.requireAuth(s.apiFollowRequests))
		r.Post("/follow_requests/{id}/authorize", s.requireAuth(s.apiAnswerFollowRequest(true)))
		r.Post("/follow_requests/{id}/reject", s.requireAuth(s.apiAnswerFollowRequest(false)))
		r.Post("/statuses", s.requireAuth(s.apiPostStatus))
		r.Get("/statuses/{id}", s.apiStatus)
		r.Put("/statuses/{id}", s.requireAuth(s.apiEditStatus))
		r.Delete("/statuses/{id}", s.requireAuth(s.apiDeleteStatus))
		r.Post("/statuses/{id}/favourite", s.requireAuth(s.apiFavourite(true)))
		r.Post("/statuses/{id}/unfavourite", s.requireAuth(s.apiFavourite(false)))
		r.Post("/statuses/{id}/reblog", s.requireAuth(s.apiReblog(true)))
		r.Post("/statuses/{id}/unreblog", s.requireAuth(s.apiReblog(false)))
		r.Get("/timelines/home", s.requireAuth(s.apiHomeTimeline))
		r.Get("/directory", s.apiDirectory)
		r.Get("/groups", s.apiListGroups)
		r.Post("/groups", s.requireAuth(s.apiCreateGroup))
		r.Get("/groups/{id}", s.apiGroup)
		r.Get("/groups/{id}/members", s.apiGroupMembers)
		r.Post("/groups/join", s.requireAuth(s.apiJoinByHandle))
		r.Get("/groups/membership_events", s.requireAuth(s.apiMembershipEvents))
		r.Post("/groups/{id}/join", s.requireAuth(s.apiJoin))
		r.Post("/groups/{id}/leave", s.requireAuth(s.apiLeave))
		r.Post("/groups/{id}/invite", s.requireAuth(s.apiInvite))
		r.Get("/groups/{id}/timeline", s.apiGroupTimeline)
		r.Get("/groups/{id}/log", s.requireAuth(s.apiGroupLog))
		r.Get("/groups/{id}/documents", s.apiGroupDocuments)
		r.Get("/documents", s.requireAuth(s.apiSearchDocuments))
		r.Get("/documents/{id}", s.apiDocument)
		r.Patch("/documents/{id}", s.requireAuth(s.apiEditDocument))
		r.Delete("/documents/{id}", s.requireAuth(s.apiDeleteDocument))
		r.Post("/groups/{id}/members/{account_id}/approve", s.requireAuth(s.apiMemberAction("approve")))
		r.Post("/groups/{id}/members/{account_id}/reject", s.requireAuth(s.apiMemberAction("reject")))
		r.Post("/groups/{id}/members/{account_id}/remove", s.requireAuth(s.apiMemberAction("remove")))
		r.Post("/groups/{id}/members/{account_id}/role", s.requireAuth(s.apiMemberAction("role")))
		r.Get("/units", s.apiUnits)
		r.Post("/units", s.requireAuth(s.apiCreateUnit))
		r.Post("/admin/accounts", s.requireAuth(s.apiAdminCreateAccount))
		r.Patch("/admin/accounts/{id}", s.requireAuth(s.apiAdminSetRights))
		r.Get("/admin/tier_rules", s.requireAuth(s.apiTierRules))
		r.Get("/admin/domains", s.requireAdmin(s.apiDomains))
		r.Post("/admin/domains", s.requireAdmin(s.apiSetDomain))
		r.Get("/admin/deliveries", s.requireAdmin(s.apiDeliveries))
		r.Post("/admin/deliveries/retry", s.requireAdmin(s.apiRetryDeliveries))
		r.Put("/admin/federation_mode", s.requireAdmin(s.apiSetFederationMode))
		r.Post("/admin/tier_rules", s.requireAuth(s.apiSetTierRule))
		r.NotFound(func(w http.ResponseWriter, r *http.Request) { apiError(w, http.StatusNotFound, "no such endpoint") })
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			apiError(w, http.StatusMethodNotAllowed, "method not allowed")
		})
	})
	if d.Pages != nil {
		// A profile or group page asked for as ActivityPub answers with the
		// actor document: Mastodon and Lemmy resolve a pasted profile URL so.
		r.Get("/@{handle}", s.pageOrActor(s.person))
		r.Get("/g/{handle}", s.pageOrActor(s.group))
		r.Handle("/*", d.Pages)
	}
	s.router = r
	return s
}

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
	if err := s.Store.Pool().Ping(ctx); err != nil {
		status["postgres"], code = err.Error(), http.StatusServiceUnavailable
	}
	if s.PingQueue != nil {
		if err := s.PingQueue(ctx); err != nil {
			status["redis"], code = err.Error(), http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, status)
}
