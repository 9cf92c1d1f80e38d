package client

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
	"github.com/archipel-social/archipel/webpush"
)

// pushAlertTypes are the alerts a subscription may ask for: Mastodon's
// notification types that Archipel has.
var pushAlertTypes = []string{store.NotifyMention, store.NotifyStatus, store.NotifyReblog, store.NotifyFollow,
	store.NotifyFollowRequest, store.NotifyFavourite, store.NotifyUpdate}

// maxEndpointLength bounds a push endpoint URL.
const maxEndpointLength = 2048

// pushInput is the body of POST and PUT /api/v1/push/subscription, as JSON
// or as Mastodon's nested form fields (subscription[keys][auth]).
type pushInput struct {
	Subscription *pushEndpointInput `json:"subscription"`
	Data         struct {
		Alerts map[string]any `json:"alerts"`
		Policy string         `json:"policy"`
	} `json:"data"`
}

// pushEndpointInput is where and how to push: the push service's URL and
// the browser's keys.
type pushEndpointInput struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256DH string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// pushSubscriptionJSON is Mastodon's WebPushSubscription entity.
type pushSubscriptionJSON struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	Policy    string          `json:"policy"`
	ServerKey string          `json:"server_key"`
}

func (api *API) pushEntity(p *store.PushSubscription) pushSubscriptionJSON {
	alerts := map[string]bool{}
	for _, t := range pushAlertTypes {
		alerts[t] = slices.Contains(p.Alerts, t)
	}
	return pushSubscriptionJSON{ID: strconv.FormatInt(p.ID, 10), Endpoint: p.Endpoint, Standard: true, Alerts: alerts,
		Policy: p.Policy, ServerKey: api.PushKey}
}

// decodePush reads a push body; forms nest their bracketed names first.
func decodePush(w http.ResponseWriter, r *http.Request) (pushInput, error) {
	var in pushInput
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		r.Body = http.MaxBytesReader(w, r.Body, respond.MaxJSONBody)
		if err := r.ParseForm(); err != nil {
			return in, respond.BadInput("malformed form")
		}
		if field := respond.BadTextIn(r.PostForm); field != "" {
			return in, respond.InvalidField(field, "must be UTF-8 text without NUL characters")
		}
		return pushFromForm(r.PostForm), nil
	}
	err := respond.Decode(w, r, &in)
	return in, err
}

// pushFromForm reads Mastodon's form names: subscription[endpoint],
// subscription[keys][p256dh], subscription[keys][auth],
// data[alerts][mention], data[policy].
func pushFromForm(f url.Values) pushInput {
	var in pushInput
	if f.Has("subscription[endpoint]") {
		in.Subscription = &pushEndpointInput{Endpoint: f.Get("subscription[endpoint]")}
		in.Subscription.Keys.P256DH = f.Get("subscription[keys][p256dh]")
		in.Subscription.Keys.Auth = f.Get("subscription[keys][auth]")
	}
	in.Data.Policy = f.Get("data[policy]")
	for k, v := range f {
		if t, ok := strings.CutPrefix(k, "data[alerts]["); ok && strings.HasSuffix(t, "]") && len(v) > 0 {
			if in.Data.Alerts == nil {
				in.Data.Alerts = map[string]any{}
			}
			in.Data.Alerts[strings.TrimSuffix(t, "]")] = v[0]
		}
	}
	return in
}

// alertsAndPolicy checks data.alerts and data.policy. Alerts of types
// Archipel does not have (poll, admin.sign_up) are accepted and ignored,
// as apps send Mastodon's whole list.
func alertsAndPolicy(in pushInput, current []string, currentPolicy string) ([]string, string, error) {
	alerts := slices.Clone(current)
	for name, v := range in.Data.Alerts {
		var on bool
		switch b := v.(type) {
		case bool:
			on = b
		case string:
			switch b {
			case "true", "1":
				on = true
			case "false", "0", "":
			default:
				return nil, "", respond.InvalidField("data[alerts]["+name+"]", "must be true or false")
			}
		default:
			return nil, "", respond.InvalidField("data[alerts]["+name+"]", "must be true or false")
		}
		if !slices.Contains(pushAlertTypes, name) {
			continue
		}
		alerts = slices.DeleteFunc(alerts, func(t string) bool { return t == name })
		if on {
			alerts = append(alerts, name)
		}
	}
	slices.Sort(alerts)
	policy := currentPolicy
	switch in.Data.Policy {
	case "":
	case store.PushPolicyAll, store.PushPolicyFollowed, store.PushPolicyFollower, store.PushPolicyNone:
		policy = in.Data.Policy
	default:
		return nil, "", respond.InvalidField("data[policy]", "must be all, followed, follower or none")
	}
	return alerts, policy, nil
}

// checkEndpoint accepts an https URL (http only for a loopback address,
// which tests and local push proxies use; the SSRF-safe client still
// refuses private addresses unless the node allows them).
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "" || err != nil || u.Host == "" || len(raw) > maxEndpointLength:
		return respond.InvalidField("subscription[endpoint]", "must be the push service's https URL")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"):
		return nil
	}
	return respond.InvalidField("subscription[endpoint]", "must be the push service's https URL")
}

// apiCreatePushSubscription is POST /api/v1/push/subscription: the token's
// subscription, replacing any earlier one.
func (api *API) apiCreatePushSubscription(w http.ResponseWriter, r *http.Request) {
	in, err := decodePush(w, r)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if in.Subscription == nil {
		respond.Fail(w, respond.InvalidField("subscription", "is required: endpoint and keys"))
		return
	}
	if err := checkEndpoint(in.Subscription.Endpoint); err != nil {
		respond.Fail(w, err)
		return
	}
	if err := webpush.CheckSubscriptionKeys(in.Subscription.Keys.P256DH, in.Subscription.Keys.Auth); err != nil {
		respond.Fail(w, respond.InvalidField("subscription[keys]", err.Error()))
		return
	}
	alerts, policy, err := alertsAndPolicy(in, nil, store.PushPolicyAll)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	g := auth.GrantOf(r)
	p := &store.PushSubscription{TokenID: g.TokenID, AccountID: g.Account.ID, Endpoint: in.Subscription.Endpoint,
		P256DH: in.Subscription.Keys.P256DH, Auth: in.Subscription.Keys.Auth, Alerts: alerts, Policy: policy}
	if err := api.Store.SetPushSubscription(r.Context(), p); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.pushEntity(p))
}

func (api *API) tokenPushSubscription(w http.ResponseWriter, r *http.Request) (*store.PushSubscription, bool) {
	p, err := api.Store.PushSubscriptionOf(r.Context(), auth.GrantOf(r).TokenID)
	if errors.Is(err, store.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "Record not found")
		return nil, false
	} else if err != nil {
		respond.Fail(w, err)
		return nil, false
	}
	return p, true
}

// apiPushSubscription is GET /api/v1/push/subscription.
func (api *API) apiPushSubscription(w http.ResponseWriter, r *http.Request) {
	if p, ok := api.tokenPushSubscription(w, r); ok {
		respond.JSON(w, http.StatusOK, api.pushEntity(p))
	}
}

// apiUpdatePushSubscription is PUT /api/v1/push/subscription: alerts and
// policy only, as in Mastodon.
func (api *API) apiUpdatePushSubscription(w http.ResponseWriter, r *http.Request) {
	p, ok := api.tokenPushSubscription(w, r)
	if !ok {
		return
	}
	in, err := decodePush(w, r)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	alerts, policy, err := alertsAndPolicy(in, p.Alerts, p.Policy)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if p, err = api.Store.UpdatePushAlerts(r.Context(), p.TokenID, alerts, policy); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.pushEntity(p))
}

// apiDeletePushSubscription is DELETE /api/v1/push/subscription.
func (api *API) apiDeletePushSubscription(w http.ResponseWriter, r *http.Request) {
	if err := api.Store.DeletePushSubscription(r.Context(), auth.GrantOf(r).TokenID); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{})
}
