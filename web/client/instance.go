package client

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// InstanceInfo is how the node presents itself (ARCHIPEL_INSTANCE_TITLE,
// ARCHIPEL_INSTANCE_DESCRIPTION, ARCHIPEL_CONTACT_EMAIL, ARCHIPEL_RULES_FILE).
type InstanceInfo struct {
	Title        string
	Description  string
	ContactEmail string
	Rules        []string
}

// Limits the instance announces. Polls are not supported: their limits say
// so with zero options.
const (
	// sourceURL is where Archipel's source is (AGPL's offer, Mastodon's
	// source_url).
	sourceURL = "https://github.com/archipel-social/archipel"
	// charactersReservedPerURL is what a link counts for in a post's
	// length, as in Mastodon (the counter of apps uses it).
	charactersReservedPerURL = 23
	maxFeaturedTags          = 10
	activeWindow             = 30 * 24 * time.Hour
	// mastodonAPIVersion is the version of Mastodon's API whose shapes the
	// node follows (api_versions.mastodon of Mastodon 4.3).
	mastodonAPIVersion = 2
)

func statusesConfiguration() map[string]any {
	return map[string]any{"max_characters": outbox.MaxNoteLength, "max_media_attachments": outbox.MaxAttachments,
		"characters_reserved_per_url": charactersReservedPerURL}
}

func pollsConfiguration() map[string]any {
	return map[string]any{"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0}
}

// streamingURL is where apps open the streaming API: this node, over ws or
// wss as its public URL says.
func (api *API) streamingURL() string {
	if rest, ok := strings.CutPrefix(api.Links.Base, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(api.Links.Base, "http://")
}

func (api *API) instanceTitle() string {
	if api.Instance.Title != "" {
		return api.Instance.Title
	}
	return api.Links.Host()
}

func (api *API) instanceDescription() string {
	if api.Instance.Description != "" {
		return api.Instance.Description
	}
	return "Archipel node"
}

func (api *API) version() string { return "4.3.0 (compatible; Archipel " + api.Version + ")" }

type ruleJSON struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}

func (api *API) rules() []ruleJSON {
	out := make([]ruleJSON, 0, len(api.Instance.Rules))
	for i, r := range api.Instance.Rules {
		out = append(out, ruleJSON{ID: strconv.Itoa(i + 1), Text: r, Hint: ""})
	}
	return out
}

// contactAccount is the node admin as an Account entity, nil without one.
func (api *API) contactAccount(ctx context.Context) *accountJSON {
	a, err := api.Store.FirstAdmin(ctx)
	if err != nil {
		return nil
	}
	acct := api.accountEntity(ctx, a)
	return &acct
}

// count logs a failed count and shows 0: an instance document still
// answers when a statistic cannot be read.
func count(what string, n int64, err error) int64 {
	if err != nil {
		slog.Warn("instance: count", "what", what, "err", err)
		return 0
	}
	return n
}

// apiInstance is Mastodon's v1 Instance; registrations and
// approval_required say the node's sign-up mode.
func (api *API) apiInstance(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mode := api.Accounts.RegistrationMode()
	users, err := api.Store.CountAccounts(ctx)
	users = count("accounts", users, err)
	posts, err := api.Store.CountLocalPosts(ctx)
	posts = count("posts", posts, err)
	hosts, err := api.Store.CountKnownHosts(ctx)
	hosts = count("hosts", hosts, err)
	respond.JSON(w, http.StatusOK, map[string]any{
		"uri": api.Links.Host(), "title": api.instanceTitle(), "short_description": api.instanceDescription(),
		"description": api.instanceDescription(), "email": api.Instance.ContactEmail, "version": api.version(),
		"urls":      map[string]string{"streaming_api": api.streamingURL()},
		"stats":     map[string]int64{"user_count": users, "status_count": posts, "domain_count": hosts},
		"thumbnail": nil, "languages": []string{"fr", "en"},
		"registrations": mode != accounts.RegistrationsClosed, "approval_required": mode == accounts.RegistrationsApproval,
		"invites_enabled": false,
		"configuration": map[string]any{
			"accounts":          map[string]any{"max_featured_tags": maxFeaturedTags},
			"statuses":          statusesConfiguration(),
			"media_attachments": api.mediaConfiguration(),
			"polls":             pollsConfiguration(),
		},
		"contact_account": api.contactAccount(ctx),
		"rules":           api.rules(),
	})
}

// apiInstanceV2 is Mastodon's v2 Instance (/api/v2/instance).
func (api *API) apiInstanceV2(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mode := api.Accounts.RegistrationMode()
	active, err := api.Store.CountActiveAccounts(ctx, time.Now().Add(-activeWindow))
	active = count("active accounts", active, err)
	respond.JSON(w, http.StatusOK, map[string]any{
		"domain": api.Links.Host(), "title": api.instanceTitle(), "version": api.version(), "source_url": sourceURL,
		"description": api.instanceDescription(),
		"usage":       map[string]any{"users": map[string]int64{"active_month": active}},
		"thumbnail":   map[string]any{"url": api.Links.Base + "/static/favicon.svg"},
		"icon":        []any{},
		"languages":   []string{"fr", "en"},
		"configuration": map[string]any{
			"urls":              map[string]any{"streaming": api.streamingURL(), "status": nil},
			"vapid":             map[string]any{"public_key": api.PushKey},
			"accounts":          map[string]any{"max_featured_tags": maxFeaturedTags, "max_pinned_statuses": store.MaxPins},
			"statuses":          statusesConfiguration(),
			"media_attachments": api.mediaConfiguration(),
			"polls":             pollsConfiguration(),
			"translation":       map[string]bool{"enabled": false},
		},
		"registrations": map[string]any{"enabled": mode != accounts.RegistrationsClosed,
			"approval_required": mode == accounts.RegistrationsApproval, "message": nil, "url": nil},
		"api_versions": map[string]int{"mastodon": mastodonAPIVersion},
		"contact":      map[string]any{"email": api.Instance.ContactEmail, "account": api.contactAccount(ctx)},
		"rules":        api.rules(),
	})
}

// apiInstanceRules is /api/v1/instance/rules.
func (api *API) apiInstanceRules(w http.ResponseWriter, r *http.Request) {
	respond.JSON(w, http.StatusOK, api.rules())
}

// apiCustomEmojis is /api/v1/custom_emojis: Archipel has none.
func (api *API) apiCustomEmojis(w http.ResponseWriter, r *http.Request) {
	respond.JSON(w, http.StatusOK, []any{})
}

// apiPreferences is /api/v1/preferences: the defaults the web interface
// applies, which apps use for their own composer.
func (api *API) apiPreferences(w http.ResponseWriter, r *http.Request) {
	acct := auth.Account(r)
	var language *string
	if acct.Locale != "" {
		language = &acct.Locale
	}
	respond.JSON(w, http.StatusOK, map[string]any{
		"posting:default:visibility": store.ObjPublic,
		"posting:default:sensitive":  false,
		"posting:default:language":   language,
		"reading:expand:media":       "default",
		"reading:expand:spoilers":    false,
	})
}
