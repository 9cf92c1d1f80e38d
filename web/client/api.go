// Package client is the Mastodon-shaped client API (/api/v1, /api/v2): one
// file per resource, and entities.go, the one converter from rows to the
// API's entities. Handlers call accounts, outbox and store, which hold the
// rules; auth identifies the caller.
package client

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/streaming"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/ratelimit"
	"github.com/archipel-social/archipel/web/respond"
)

// API serves the client API.
type API struct {
	Store     *store.Store
	Links     ap.Links
	Accounts  *accounts.Service
	Outbox    *outbox.Outbox
	Federator *federation.Federator
	// Auth reads the bearer token of every client API request.
	Auth *auth.Authenticator
	// WriteLimiter bounds each account's writes (nil: none).
	WriteLimiter *ratelimit.Limiter
	// Viewer identifies the actor behind a signed GET (peers reading
	// /observatory.json).
	Viewer func(r *http.Request) (*store.Actor, error)
	// ObservatoryPublic publishes the node's aggregates at /observatory.json
	// (ARCHIPEL_OBSERVATORY_PUBLIC).
	ObservatoryPublic bool
	// Streams carries the node's committed changes to the streaming API
	// (Redis pub/sub, shared by every serve process).
	Streams *streaming.Bus
	// PushKey is the node's VAPID public key, which browsers and apps
	// subscribe to Web Push with.
	PushKey string
	// Instance is how the node presents itself to apps.
	Instance InstanceInfo
	// Version is the software version /api/v1/instance reports.
	Version string
	// Extra adds routes under /api/v1 that other packages serve (auth's
	// /apps), behind the same middleware.
	Extra func(r chi.Router)
}

// requestTimeout bounds every client API call except file transfers and
// streams.
const requestTimeout = 60 * time.Second

// Routes adds the client API to r. A new endpoint goes in the /api/v1 group
// (timeout, token, write limit), behind auth.Require when it needs a
// signed-in caller.
func (api *API) Routes(r chi.Router) {
	r.With(middleware.Timeout(requestTimeout)).Get("/observatory.json", api.apiPublishedObservatory)
	r.Route("/api/v2", func(r chi.Router) {
		r.Use(middleware.Timeout(requestTimeout), api.Auth.Authenticate, api.limitWrites)
		r.Get("/instance", api.apiInstanceV2)
		r.Get("/filters", auth.User("read:filters", api.apiFilters))
		r.Post("/filters", auth.User("write:filters", api.apiSaveFilter(true)))
		r.Get("/filters/{id}", auth.User("read:filters", api.apiFilter))
		r.Put("/filters/{id}", auth.User("write:filters", api.apiSaveFilter(false)))
		r.Delete("/filters/{id}", auth.User("write:filters", api.apiDeleteFilter))
		r.Get("/search", auth.Scope("read:search", api.apiSearch))
		r.Get("/notifications", auth.User("read:notifications", api.apiGroupedNotifications))
		r.Get("/notifications/unread_count", auth.User("read:notifications", api.apiUnreadCount))
		r.Post("/notifications/{group_key}/dismiss", auth.User("write:notifications", api.apiDismissNotificationGroup))
		api.notFound(r)
	})
	// File transfers can take longer than an API call: no request timeout.
	r.With(api.Auth.Authenticate, api.limitWrites).Post("/api/v1/groups/{id}/documents", auth.User("write:media", api.apiUploadDocument))
	r.With(api.Auth.Authenticate, api.limitWrites).Post("/api/v1/documents/{id}/versions", auth.User("write:media", api.apiDocumentVersion))
	r.With(api.Auth.Authenticate).Get("/api/v1/documents/{id}/file", auth.Scope("read:groups", api.apiDocumentFile))
	r.With(api.Auth.Authenticate, api.limitWrites).Post("/api/v1/media", auth.User("write:media", api.apiUploadMedia))
	r.With(api.Auth.Authenticate, api.limitWrites).Post("/api/v2/media", auth.User("write:media", api.apiUploadMedia))
	r.With(api.Auth.Authenticate, api.limitWrites).Patch("/api/v1/accounts/update_credentials", auth.User("write:accounts", api.apiUpdateCredentials))
	// Streams last as long as the client stays: no request timeout. Each
	// checks its stream's scope itself (streamConn.subscribe).
	streams := r.With(api.Auth.Authenticate)
	streams.Get("/api/v1/streaming", api.apiStreamWebSocket)
	streams.Get("/api/v1/streaming/health", api.apiStreamingHealth)
	for path, name := range map[string]string{"user": streamUser, "user/notification": streamNotification,
		"public": streamPublic, "public/local": streamPublicLocal, "public/remote": streamPublicRemote,
		"hashtag": streamHashtag, "hashtag/local": streamHashtagLocal, "list": streamList, "direct": streamDirect} {
		streams.Get("/api/v1/streaming/"+path, api.apiStreamEvents(name))
	}
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(middleware.Timeout(requestTimeout), api.Auth.Authenticate, api.limitWrites)
		// Every route names the scope a token needs (README, "Scopes").
		r.Get("/instance", api.apiInstance)
		r.Get("/instance/", api.apiInstance) // Mastodon.py asks with the slash
		r.Get("/instance/rules", api.apiInstanceRules)
		r.Get("/custom_emojis", api.apiCustomEmojis)
		r.Get("/preferences", auth.User("read:accounts", api.apiPreferences))
		r.Get("/accounts/verify_credentials", auth.User("profile", api.apiVerifyCredentials))
		r.Get("/accounts/lookup", auth.Scope("read:accounts", api.apiLookupAccount))
		r.Get("/accounts/relationships", auth.User("read:follows", api.apiRelationships))
		r.Get("/accounts/search", auth.Scope("read:accounts", api.apiAccountSearch))
		r.Get("/accounts/{id}", auth.Scope("read:accounts", api.apiAccount))
		r.Get("/accounts/{id}/statuses", auth.Scope("read:statuses", api.apiAccountStatuses))
		r.Get("/accounts/{id}/followers", auth.Scope("read:accounts", api.apiAccountFollows(true)))
		r.Get("/accounts/{id}/following", auth.Scope("read:accounts", api.apiAccountFollows(false)))
		r.Post("/accounts/{id}/follow", auth.User("write:follows", api.apiFollow))
		r.Post("/accounts/{id}/unfollow", auth.User("write:follows", api.apiUnfollow))
		r.Post("/accounts/{id}/block", auth.User("write:blocks", api.apiBlock(true)))
		r.Post("/accounts/{id}/unblock", auth.User("write:blocks", api.apiBlock(false)))
		r.Post("/accounts/{id}/mute", auth.User("write:mutes", api.apiMute(true)))
		r.Post("/accounts/{id}/unmute", auth.User("write:mutes", api.apiMute(false)))
		r.Get("/accounts/{id}/lists", auth.User("read:lists", api.apiAccountLists))
		r.Get("/lists", auth.User("read:lists", api.apiLists))
		r.Post("/lists", auth.User("write:lists", api.apiCreateList))
		r.Get("/lists/{id}", auth.User("read:lists", api.apiList))
		r.Put("/lists/{id}", auth.User("write:lists", api.apiUpdateList))
		r.Delete("/lists/{id}", auth.User("write:lists", api.apiDeleteList))
		r.Get("/lists/{id}/accounts", auth.User("read:lists", api.apiListAccounts))
		r.Post("/lists/{id}/accounts", auth.User("write:lists", api.apiListMembers(true)))
		r.Delete("/lists/{id}/accounts", auth.User("write:lists", api.apiListMembers(false)))
		r.Get("/timelines/list/{id}", auth.User("read:lists", api.apiListTimeline))
		r.Get("/conversations", auth.User("read:statuses", api.apiConversations))
		r.Get("/filters", auth.User("read:filters", api.apiFiltersV1))
		r.Post("/filters", auth.User("write:filters", api.apiCreateFilterV1))
		r.Get("/filters/{id}", auth.User("read:filters", api.apiFilterV1))
		r.Delete("/filters/{id}", auth.User("write:filters", api.apiDeleteFilterV1))
		r.Post("/conversations/{id}/read", auth.User("write:conversations", api.apiMarkConversation(false)))
		r.Delete("/conversations/{id}", auth.User("write:conversations", api.apiMarkConversation(true)))
		r.Get("/blocks", auth.User("read:blocks", api.apiBlocks(false)))
		r.Get("/mutes", auth.User("read:mutes", api.apiBlocks(true)))
		r.Get("/domain_blocks", auth.User("read:blocks", api.apiDomainBlocks))
		r.Post("/domain_blocks", auth.User("write:blocks", api.apiDomainBlock(true)))
		r.Delete("/domain_blocks", auth.User("write:blocks", api.apiDomainBlock(false)))
		r.Get("/follow_requests", auth.User("read:follows", api.apiFollowRequests))
		r.Post("/follow_requests/{id}/authorize", auth.User("write:follows", api.apiAnswerFollowRequest(true)))
		r.Post("/follow_requests/{id}/reject", auth.User("write:follows", api.apiAnswerFollowRequest(false)))
		r.Post("/statuses", auth.User("write:statuses", api.apiPostStatus))
		r.Get("/statuses/{id}", auth.Scope("read:statuses", api.apiStatus))
		r.Put("/statuses/{id}", auth.User("write:statuses", api.apiEditStatus))
		r.Delete("/statuses/{id}", auth.User("write:statuses", api.apiDeleteStatus))
		r.Post("/statuses/{id}/favourite", auth.User("write:favourites", api.apiFavourite(true)))
		r.Post("/statuses/{id}/unfavourite", auth.User("write:favourites", api.apiFavourite(false)))
		r.Post("/statuses/{id}/reblog", auth.User("write:statuses", api.apiReblog(true)))
		r.Post("/statuses/{id}/unreblog", auth.User("write:statuses", api.apiReblog(false)))
		r.Post("/statuses/{id}/bookmark", auth.User("write:bookmarks", api.apiBookmark(true)))
		r.Post("/statuses/{id}/unbookmark", auth.User("write:bookmarks", api.apiBookmark(false)))
		r.Post("/statuses/{id}/pin", auth.User("write:accounts", api.apiPin(true)))
		r.Post("/statuses/{id}/unpin", auth.User("write:accounts", api.apiPin(false)))
		r.Get("/statuses/{id}/context", auth.Scope("read:statuses", api.apiStatusContext))
		r.Get("/statuses/{id}/favourited_by", auth.Scope("read:accounts", api.apiStatusLikers(false)))
		r.Get("/statuses/{id}/reblogged_by", auth.Scope("read:accounts", api.apiStatusLikers(true)))
		r.Get("/statuses/{id}/source", auth.User("read:statuses", api.apiStatusSource))
		r.Get("/statuses/{id}/history", auth.Scope("read:statuses", api.apiStatusHistory))
		r.Get("/favourites", auth.User("read:favourites", api.apiMarkedStatuses(api.Store.Favourites)))
		r.Get("/bookmarks", auth.User("read:bookmarks", api.apiMarkedStatuses(api.Store.Bookmarks)))
		r.Get("/timelines/home", auth.User("read:statuses", api.apiHomeTimeline))
		r.Get("/timelines/public", auth.Scope("read:statuses", api.apiPublicTimeline))
		r.Get("/timelines/tag/{hashtag}", auth.Scope("read:statuses", api.apiTagTimeline))
		r.Get("/tags/{name}", auth.Scope("read:follows", api.apiTag))
		r.Post("/tags/{name}/follow", auth.User("write:follows", api.apiFollowTag(true)))
		r.Post("/tags/{name}/unfollow", auth.User("write:follows", api.apiFollowTag(false)))
		r.Get("/followed_tags", auth.User("read:follows", api.apiFollowedTags))
		r.Get("/notifications", auth.User("read:notifications", api.apiNotifications))
		r.Get("/notifications/unread_count", auth.User("read:notifications", api.apiUnreadCount))
		r.Post("/notifications/clear", auth.User("write:notifications", api.apiClearNotifications))
		r.Get("/notifications/{id}", auth.User("read:notifications", api.apiNotification))
		r.Post("/notifications/{id}/dismiss", auth.User("write:notifications", api.apiDismissNotification))
		r.Get("/media/{id}", auth.User("write:media", api.apiMedia))
		r.Put("/media/{id}", auth.User("write:media", api.apiUpdateMedia))
		r.Post("/push/subscription", auth.User("push", api.apiCreatePushSubscription))
		r.Get("/push/subscription", auth.User("push", api.apiPushSubscription))
		r.Put("/push/subscription", auth.User("push", api.apiUpdatePushSubscription))
		r.Delete("/push/subscription", auth.User("push", api.apiDeletePushSubscription))
		r.Get("/markers", auth.User("read:statuses", api.apiMarkers))
		r.Post("/markers", auth.User("write:statuses", api.apiSetMarkers))
		r.Get("/directory", auth.Scope("read:accounts", api.apiDirectory))
		r.Get("/groups", auth.Scope("read:groups", api.apiListGroups))
		r.Post("/groups", auth.User("write:groups", api.apiCreateGroup))
		r.Get("/groups/membership_events", auth.User("read:groups", api.apiMembershipEvents))
		r.Post("/groups/join", auth.User("write:groups", api.apiJoinByHandle))
		r.Get("/groups/{id}", auth.Scope("read:groups", api.apiGroup))
		r.Get("/groups/{id}/members", auth.Scope("read:groups", api.apiGroupMembers))
		r.Post("/groups/{id}/join", auth.User("write:groups", api.apiJoin))
		r.Post("/groups/{id}/leave", auth.User("write:groups", api.apiLeave))
		r.Post("/groups/{id}/invite", auth.User("write:groups", api.apiInvite))
		r.Get("/groups/{id}/timeline", auth.Scope("read:statuses", api.apiGroupTimeline))
		r.Get("/groups/{id}/log", auth.User("read:groups", api.apiGroupLog))
		r.Get("/groups/{id}/documents", auth.Scope("read:groups", api.apiGroupDocuments))
		r.Get("/groups/{id}/stats", auth.User("read:groups", api.apiGroupStats))
		r.Get("/groups/{id}/dashboard", auth.User("read:groups", api.apiGroupDashboard))
		r.Put("/groups/{id}/welcome", auth.User("write:groups", api.apiSetWelcome))
		r.Post("/groups/{id}/announcements", auth.User("write:groups", api.apiAnnounce))
		r.Get("/skills/suggestions", auth.User("read:accounts", api.apiSkillSuggestions))
		r.Post("/skills/suggestions/{skill}/accept", auth.User("write:accounts", api.apiAnswerSkill(true)))
		r.Post("/skills/suggestions/{skill}/dismiss", auth.User("write:accounts", api.apiAnswerSkill(false)))
		r.Get("/observatory", auth.User("admin:read", api.apiObservatory))
		r.Get("/observatory/network", auth.User("admin:read", api.apiNetworkObservatory))
		r.Post("/observatory/opt_out", auth.User("write:accounts", api.apiObservatoryOptOut))
		r.Get("/groups/{id}/events", auth.Scope("read:groups", api.apiGroupEvents))
		r.Post("/groups/{id}/events", auth.User("write:groups", api.apiCreateEvent))
		r.Get("/events", auth.User("read:groups", api.apiMyEvents))
		r.Get("/events/{id}", auth.Scope("read:groups", api.apiEvent))
		r.Patch("/events/{id}", auth.User("write:groups", api.apiEditEvent))
		r.Delete("/events/{id}", auth.User("write:groups", api.apiDeleteEvent))
		r.Post("/events/{id}/participation", auth.User("write:groups", api.apiParticipation(true)))
		r.Delete("/events/{id}/participation", auth.User("write:groups", api.apiParticipation(false)))
		r.Get("/events/{id}/participants", auth.User("read:groups", api.apiEventParticipants))
		r.Post("/events/{id}/participants/{account_id}/approve", auth.User("write:groups", api.apiParticipantAction("approve")))
		r.Post("/events/{id}/participants/{account_id}/reject", auth.User("write:groups", api.apiParticipantAction("reject")))
		r.Post("/events/{id}/participants/{account_id}/invite", auth.User("write:groups", api.apiParticipantAction("invite")))
		r.Get("/events/{id}/ics", auth.Scope("read:groups", api.apiEventICS))
		r.Get("/calendar", auth.User("read:groups", api.apiCalendar))
		r.Post("/calendar/secret", auth.User("write:groups", api.apiRegenerateCalendar))
		r.Get("/documents", auth.User("read:groups", api.apiSearchDocuments))
		r.Get("/documents/{id}", auth.Scope("read:groups", api.apiDocument))
		r.Patch("/documents/{id}", auth.User("write:media", api.apiEditDocument))
		r.Delete("/documents/{id}", auth.User("write:media", api.apiDeleteDocument))
		r.Get("/groups/{id}/search", auth.Scope("read:search", api.apiGroupSearch))
		r.Get("/groups/{id}/pages", auth.Scope("read:groups", api.apiGroupPages))
		r.Post("/groups/{id}/pages", auth.User("write:groups", api.apiCreatePage))
		r.Put("/groups/{id}/page_editors", auth.User("write:groups", api.apiSetPageEditors))
		r.Get("/pages/{id}", auth.Scope("read:groups", api.apiPage))
		r.Put("/pages/{id}", auth.User("write:groups", api.apiEditPage))
		r.Delete("/pages/{id}", auth.User("write:groups", api.apiDeletePage))
		r.Get("/pages/{id}/versions", auth.Scope("read:groups", api.apiPageVersions))
		r.Get("/pages/{id}/versions/{n}", auth.Scope("read:groups", api.apiPageVersion))
		r.Post("/pages/{id}/versions/{n}/restore", auth.User("write:groups", api.apiRestorePage))
		r.Get("/pages/{id}/diff", auth.Scope("read:groups", api.apiPageDiff))
		r.Get("/groups/{id}/tasks", auth.Scope("read:groups", api.apiGroupTasks))
		r.Post("/groups/{id}/tasks", auth.User("write:groups", api.apiCreateTask))
		r.Get("/tasks", auth.User("read:groups", api.apiMyTasks))
		r.Get("/tasks/{id}", auth.Scope("read:groups", api.apiTask))
		r.Patch("/tasks/{id}", auth.User("write:groups", api.apiUpdateTask))
		r.Delete("/tasks/{id}", auth.User("write:groups", api.apiDeleteTask))
		r.Post("/groups/{id}/members/{account_id}/approve", auth.User("write:groups", api.apiMemberAction("approve")))
		r.Post("/groups/{id}/members/{account_id}/reject", auth.User("write:groups", api.apiMemberAction("reject")))
		r.Post("/groups/{id}/members/{account_id}/remove", auth.User("write:groups", api.apiMemberAction("remove")))
		r.Post("/groups/{id}/members/{account_id}/role", auth.User("write:groups", api.apiMemberAction("role")))
		r.Get("/units", auth.Scope("read:accounts", api.apiUnits))
		r.Post("/units", auth.User("admin:write:accounts", api.apiCreateUnit))
		r.Get("/admin/accounts", auth.User("admin:read:accounts", api.apiAdminAccounts))
		r.Get("/admin/accounts/{id}", auth.User("admin:read:accounts", api.apiAdminAccount))
		r.Post("/admin/accounts", auth.User("admin:write:accounts", api.apiAdminCreateAccount))
		r.Patch("/admin/accounts/{id}", auth.User("admin:write:accounts", api.apiAdminSetRights))
		r.Post("/admin/accounts/{id}/approve", auth.Admin("admin:write:accounts", api.apiAdminApprove(true)))
		r.Post("/admin/accounts/{id}/reject", auth.Admin("admin:write:accounts", api.apiAdminApprove(false)))
		r.Get("/admin/tier_rules", auth.User("admin:read:accounts", api.apiTierRules))
		r.Post("/admin/tier_rules", auth.User("admin:write:accounts", api.apiSetTierRule))
		r.Get("/admin/domains", auth.Admin("admin:read:domain_blocks", api.apiDomains))
		r.Post("/admin/domains", auth.Admin("admin:write:domain_blocks", api.apiSetDomain))
		r.Get("/admin/deliveries", auth.Admin("admin:read", api.apiDeliveries))
		r.Post("/admin/deliveries/retry", auth.Admin("admin:write", api.apiRetryDeliveries))
		r.Put("/admin/federation_mode", auth.Admin("admin:write:domain_blocks", api.apiSetFederationMode))
		if api.Extra != nil {
			api.Extra(r)
		}
		api.notFound(r)
	})
}

// notFound answers unknown paths and methods of an API version in JSON.
func (api *API) notFound(r chi.Router) {
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		respond.Error(w, http.StatusNotFound, "no such endpoint")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		respond.Error(w, http.StatusMethodNotAllowed, "method not allowed")
	})
}

// limitWrites applies the per-account limit to the API's write methods.
func (api *API) limitWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if acct := auth.Account(r); acct != nil && !api.WriteLimiter.Allow(r.Context(), strconv.FormatInt(acct.ID, 10)) {
				ratelimit.TooMany(w)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (api *API) me(r *http.Request) (*store.Actor, error) {
	return api.Store.ActorByID(r.Context(), auth.Account(r).ActorID)
}

// meOrFail is me, answering the error itself.
func (api *API) meOrFail(w http.ResponseWriter, r *http.Request) (*store.Actor, bool) {
	me, err := api.me(r)
	if err != nil {
		respond.Fail(w, err)
		return nil, false
	}
	return me, true
}

// mePage is meOrFail and pageFrom, for the lists of one's own.
func (api *API) mePage(w http.ResponseWriter, r *http.Request) (*store.Actor, store.Page, bool) {
	p, ok := pageFrom(w, r)
	if !ok {
		return nil, p, false
	}
	me, ok := api.meOrFail(w, r)
	return me, p, ok
}

// targetAndMe loads the account of the path and the caller, for an action
// of the caller on that account.
func (api *API) targetAndMe(w http.ResponseWriter, r *http.Request) (target, me *store.Actor, ok bool) {
	if target, ok = api.anyActorFromPath(w, r); !ok {
		return nil, nil, false
	}
	me, ok = api.meOrFail(w, r)
	return target, me, ok
}

// viewerID is the API caller's actor, 0 without a token.
func viewerID(r *http.Request) int64 {
	if acct := auth.Account(r); acct != nil {
		return acct.ActorID
	}
	return 0
}

// knows tells whether the caller may learn that an actor exists: a secret
// group is, to anyone outside it, exactly like a group that does not exist
// (store.KnowsActor).
func (api *API) knows(r *http.Request, a *store.Actor) bool {
	ok, err := api.Store.KnowsActor(r.Context(), a, viewerID(r))
	return err == nil && ok
}

// remoteError maps a failure to reach another node to a status and message.
func remoteError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, federation.ErrNoSuchAccount), errors.Is(err, store.ErrNotFound), federation.IsGone(err):
		respond.Error(w, http.StatusNotFound, "no such account")
	case errors.Is(err, federation.ErrBlocked):
		respond.Error(w, http.StatusForbidden, "this node does not federate with that one")
	case errors.Is(err, federation.ErrForbiddenAddress):
		respond.Error(w, http.StatusUnprocessableEntity, "that node's address is not allowed")
	default:
		// The cause (a dial error, a status, a database error) is logged,
		// never shown: it names addresses and internals.
		slog.Warn("client API: remote lookup", "err", err)
		respond.Error(w, http.StatusBadGateway, "that node did not answer")
	}
}
