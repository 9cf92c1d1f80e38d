package auth

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/oauth"
	"github.com/archipel-social/archipel/web/redirect"
	"github.com/archipel-social/archipel/web/respond"
)

// OAuth serves Mastodon's app registration and OAuth 2 token endpoints.
// The authorize endpoint is a page (sign-in, then consent): web/ui has it.
type OAuth struct {
	OAuth *oauth.Service
	// Base is the node's public URL, for the server metadata.
	Base string
	// ClientIP is the caller's address as the trusted proxies give it.
	ClientIP func(r *http.Request) string
}

// AppRoutes are the routes under /api/v1 (behind the API's middleware).
func (o *OAuth) AppRoutes(r chi.Router) {
	r.Post("/apps", o.createApp)
	r.Get("/apps/verify_credentials", o.verifyApp)
}

// Routes are the token endpoints and the metadata, outside /api.
func (o *OAuth) Routes(r chi.Router) {
	r.Post("/oauth/token", o.token)
	r.Post("/oauth/revoke", o.revoke)
	r.Get("/.well-known/oauth-authorization-server", o.metadata)
}

type appInput struct {
	ClientName   string `json:"client_name"`
	RedirectURIs any    `json:"redirect_uris"` // a string (space or newline separated) or a list
	Scopes       string `json:"scopes"`
	Website      string `json:"website"`
}

// redirectURIs reads Mastodon's redirect_uris: a list, or one string that
// may hold several separated by whitespace.
func (in appInput) redirectURIs() []string {
	switch v := in.RedirectURIs.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, strings.Fields(s)...)
			}
		}
		return out
	}
	return nil
}

func (o *OAuth) createApp(w http.ResponseWriter, r *http.Request) {
	var in appInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	uris := in.redirectURIs()
	for _, u := range uris {
		if err := redirect.ClientURI(u); err != nil {
			respond.Fail(w, respond.InvalidField("redirect_uris", err.Error()))
			return
		}
	}
	app, secret, err := o.OAuth.RegisterApp(r.Context(), oauth.NewApp{Name: in.ClientName, RedirectURIs: uris,
		Scopes: in.Scopes, Website: in.Website})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	e := appEntity(app.ID, app.Name, app.Website, app.RedirectURIs, app.Scopes)
	e["client_id"], e["client_secret"] = app.ClientID, secret
	e["client_secret_expires_at"] = 0
	respond.JSON(w, http.StatusOK, e)
}

// appEntity is Mastodon 4.3's Application.
func appEntity(id int64, name, website string, uris []string, scopes string) map[string]any {
	var site any
	if website != "" {
		site = website
	}
	return map[string]any{"id": strconv.FormatInt(id, 10), "name": name, "website": site,
		"redirect_uri": strings.Join(uris, "\n"), "redirect_uris": uris, "scopes": strings.Fields(scopes),
		"vapid_key": ""}
}

func (o *OAuth) verifyApp(w http.ResponseWriter, r *http.Request) {
	g := GrantOf(r)
	if g == nil {
		respond.Error(w, http.StatusUnauthorized, "this endpoint needs an access token")
		return
	}
	if g.App == nil {
		respond.Error(w, http.StatusUnprocessableEntity, "this token belongs to no app (a personal token)")
		return
	}
	a := g.App
	e := appEntity(a.ID, a.Name, a.Website, a.RedirectURIs, a.Scopes)
	respond.JSON(w, http.StatusOK, e)
}

// oauthError answers RFC 6749's error shape; invalid_client is 401.
func oauthError(w http.ResponseWriter, err error) {
	var oe *oauth.Error
	var throttled *accounts.ThrottledError
	switch {
	case errors.As(err, &throttled):
		w.Header().Set("Retry-After", strconv.Itoa(throttled.RetryAfterSeconds()))
		respond.JSON(w, http.StatusTooManyRequests, map[string]string{"error": "slow_down", "error_description": throttled.Error()})
	case errors.As(err, &oe):
		status := http.StatusBadRequest
		if oe.Code == "invalid_client" {
			status = http.StatusUnauthorized
		}
		respond.JSON(w, status, map[string]string{"error": oe.Code, "error_description": oe.Description})
	default:
		respond.Fail(w, err)
	}
}

type tokenInput struct {
	GrantType    string `json:"grant_type"`
	Code         string `json:"code"`
	RedirectURI  string `json:"redirect_uri"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	CodeVerifier string `json:"code_verifier"`
	Scope        string `json:"scope"`
	Username     string `json:"username"`
	Password     string `json:"password"`
}

// token is the token endpoint: authorization_code (with PKCE),
// client_credentials and password. The client authenticates with its id
// and secret in the body or with HTTP Basic.
func (o *OAuth) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var in tokenInput
	if err := respond.Decode(w, r, &in); err != nil {
		oauthError(w, err)
		return
	}
	if id, secret, ok := r.BasicAuth(); ok {
		in.ClientID, in.ClientSecret = id, secret
	}
	app, err := o.OAuth.Client(r.Context(), in.ClientID, in.ClientSecret)
	if err != nil {
		oauthError(w, err)
		return
	}
	var tok *oauth.Token
	switch in.GrantType {
	case "authorization_code":
		tok, err = o.OAuth.ExchangeCode(r.Context(), app, in.Code, in.RedirectURI, in.CodeVerifier)
	case "client_credentials":
		tok, err = o.OAuth.ClientCredentials(r.Context(), app, in.Scope)
	case "password":
		tok, err = o.OAuth.Password(r.Context(), app, in.Username, in.Password, in.Scope, o.ClientIP(r))
	case "":
		err = &oauth.Error{Code: "invalid_request", Description: "grant_type required"}
	default:
		err = &oauth.Error{Code: "unsupported_grant_type", Description: "supported: authorization_code, client_credentials, password"}
	}
	if err != nil {
		oauthError(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{"access_token": tok.AccessToken, "token_type": "Bearer",
		"scope": tok.Scopes.String(), "created_at": tok.CreatedAt.Unix()})
}

type revokeInput struct {
	Token        string `json:"token"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// revoke is RFC 7009: 200 whether or not the token existed.
func (o *OAuth) revoke(w http.ResponseWriter, r *http.Request) {
	var in revokeInput
	if err := respond.Decode(w, r, &in); err != nil {
		oauthError(w, err)
		return
	}
	if id, secret, ok := r.BasicAuth(); ok {
		in.ClientID, in.ClientSecret = id, secret
	}
	app, err := o.OAuth.Client(r.Context(), in.ClientID, in.ClientSecret)
	if err != nil {
		oauthError(w, err)
		return
	}
	if err := o.OAuth.Revoke(r.Context(), app, in.Token); err != nil {
		oauthError(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{})
}

// metadata is RFC 8414's document, as Mastodon 4.3 serves it.
func (o *OAuth) metadata(w http.ResponseWriter, r *http.Request) {
	respond.JSON(w, http.StatusOK, map[string]any{
		"issuer":                                o.Base + "/",
		"service_documentation":                 "https://docs.joinmastodon.org/",
		"authorization_endpoint":                o.Base + "/oauth/authorize",
		"token_endpoint":                        o.Base + "/oauth/token",
		"app_registration_endpoint":             o.Base + "/api/v1/apps",
		"revocation_endpoint":                   o.Base + "/oauth/revoke",
		"scopes_supported":                      oauth.Known(),
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials", "password"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// CORS lets browser clients on other origins (Elk, Phanpy) call the API,
// the token endpoints and the well-known documents: tokens travel in
// headers, never in cookies, so any origin may; preflights are answered
// here.
func CORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Accept")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
