package auth_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func form(t *testing.T, n *testnet.Node, path string, v url.Values) (*http.Response, map[string]any) {
	t.Helper()
	res, err := http.PostForm(n.URL+path, v)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

type app struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

func registerApp(t *testing.T, n *testnet.Node, redirect, scopes string) app {
	t.Helper()
	res := n.Do("POST", "/api/v1/apps", "", map[string]any{"client_name": "Test app", "redirect_uris": redirect, "scopes": scopes})
	if res.Status != 200 {
		t.Fatalf("register app: %d %s", res.Status, res.Body)
	}
	var a app
	res.JSON(t, &a)
	return a
}

// The token endpoint's grants and refusals, as Mastodon clients meet them.
func TestTokenEndpoint(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	n.CreateUser("agent", store.TierState, "")
	a := registerApp(t, n, "urn:ietf:wg:oauth:2.0:oob", "read write")

	for _, bad := range []map[string]any{
		{"client_name": "", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
		{"client_name": "x", "redirect_uris": "javascript:alert(1)"},
		{"client_name": "x", "redirect_uris": "https://a/\tb"},
		{"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read everything"},
	} {
		if res := n.Do("POST", "/api/v1/apps", "", bad); res.Status != 422 {
			t.Errorf("app %v: %d %s", bad, res.Status, res.Body)
		}
	}
	res, out := form(t, n, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID}, "client_secret": {"wrong"}})
	if res.StatusCode != 401 || out["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", res.StatusCode, out)
	}
	res, out = form(t, n, "/oauth/token", url.Values{"grant_type": {"implicit"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret}})
	if res.StatusCode != 400 || out["error"] != "unsupported_grant_type" {
		t.Errorf("unknown grant: %d %v", res.StatusCode, out)
	}
	res, out = form(t, n, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID},
		"client_secret": {a.ClientSecret}, "scope": {"admin:write"}})
	if res.StatusCode != 400 || out["error"] != "invalid_scope" {
		t.Errorf("more scope than registered: %d %v", res.StatusCode, out)
	}
	res, out = form(t, n, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret}})
	appToken, _ := out["access_token"].(string)
	if res.StatusCode != 200 || appToken == "" || out["token_type"] != "Bearer" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("client_credentials: %d %v", res.StatusCode, out)
	}
	if res := n.Do("GET", "/api/v1/apps/verify_credentials", appToken, nil); res.Status != 200 || !strings.Contains(string(res.Body), "Test app") {
		t.Errorf("app verify_credentials: %d %s", res.Status, res.Body)
	}
	if res := n.Do("GET", "/api/v1/accounts/verify_credentials", appToken, nil); res.Status != 422 {
		t.Errorf("an app token where an account is needed: %d", res.Status)
	}
	// Password grant (toot login_cli), throttled like the sign-in page.
	res, out = form(t, n, "/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret},
		"username": {"agent"}, "password": {"password-agent"}, "scope": {"read"}})
	if res.StatusCode != 200 || out["scope"] != "read" {
		t.Fatalf("password grant: %d %v", res.StatusCode, out)
	}
	for range 5 {
		form(t, n, "/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret},
			"username": {"agent"}, "password": {"wrong"}})
	}
	res, out = form(t, n, "/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret},
		"username": {"agent"}, "password": {"password-agent"}})
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Errorf("password grant after five failures: %d %v", res.StatusCode, out)
	}
	// Revocation answers 200 whatever the token.
	if res, _ := form(t, n, "/oauth/revoke", url.Values{"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}, "token": {"nope"}}); res.StatusCode != 200 {
		t.Errorf("revoke an unknown token: %d", res.StatusCode)
	}
}

// The authorization endpoint never redirects to a URI the app did not
// register, and a code from a PKCE authorization needs its verifier.
func TestAuthorizeRefusals(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	a := registerApp(t, n, "https://app.example/cb", "read")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(n.URL + "/oauth/authorize?" + url.Values{"client_id": {a.ClientID}, "redirect_uri": {"https://evil.example/cb"},
		"response_type": {"code"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 || res.Header.Get("Location") != "" {
		t.Errorf("unregistered redirect URI: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, err = noFollow.Get(n.URL + "/oauth/authorize?" + url.Values{"client_id": {a.ClientID}, "redirect_uri": {"https://app.example/cb"},
		"response_type": {"code"}, "scope": {"write"}, "state": {"s1"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "https://app.example/cb?") || !strings.Contains(loc, "error=invalid_scope") || !strings.Contains(loc, "state=s1") {
		t.Errorf("a scope beyond the app's: %d → %q", res.StatusCode, loc)
	}
	res, err = noFollow.Get(n.URL + "/oauth/authorize?" + url.Values{"client_id": {a.ClientID}, "response_type": {"code"},
		"code_challenge": {"short"}, "code_challenge_method": {"plain"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "error=invalid_request") {
		t.Errorf("plain PKCE: %d → %q", res.StatusCode, loc)
	}
}

// CORS on the API, the token endpoints and well-known documents, with
// preflights; none on pages. Unknown API paths answer JSON.
func TestCORSAndJSONErrors(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	for _, path := range []string{"/api/v1/statuses", "/oauth/token", "/oauth/revoke", "/.well-known/oauth-authorization-server", "/api/v2/search"} {
		req, _ := http.NewRequest("OPTIONS", n.URL+path, nil)
		req.Header.Set("Origin", "https://elk.zone")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Errorf("preflight %s: %d %v", path, res.StatusCode, res.Header)
		}
	}
	if res := n.Do("GET", "/api/v1/instance", "", nil, "Origin", "https://elk.zone"); res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("no CORS header on the API")
	}
	for _, page := range []string{"/", "/login", "/oauth/authorize"} {
		if res := n.Do("GET", page, "", nil, "Origin", "https://elk.zone"); res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("CORS on the page %s", page)
		}
	}
	for _, path := range []string{"/api/v2/nope", "/api/v1/nope", "/oauth/nope", "/api/nope"} {
		res := n.Do("GET", path, "", nil)
		if res.Status != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %s", path, res.Status, res.Header.Get("Content-Type"))
		}
	}
	if res := n.Do("GET", "/api/v1/instance/", "", nil); res.Status != 200 {
		t.Errorf("/api/v1/instance/: %d", res.Status)
	}
	var meta map[string]any
	n.Do("GET", "/.well-known/oauth-authorization-server", "", nil).JSON(t, &meta)
	if meta["token_endpoint"] != n.URL+"/oauth/token" || meta["app_registration_endpoint"] != n.URL+"/api/v1/apps" {
		t.Errorf("metadata: %v", meta)
	}
}

// GET /api/v1/admin/accounts?username= in Mastodon's admin shape, with tier.
func TestAdminAccountsShape(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	admin := n.CreateUser("admin", store.TierState, store.RoleAdmin)
	member := n.CreateUser("membre", store.TierPartner, "")
	var list []map[string]any
	res := admin.API("GET", "/admin/accounts?username=membre", nil)
	res.JSON(t, &list)
	if res.Status != 200 || len(list) != 1 {
		t.Fatalf("admin accounts: %d %s", res.Status, res.Body)
	}
	a := list[0]
	role, _ := a["role"].(map[string]any)
	if a["username"] != "membre" || a["email"] != member.Account.Email || a["confirmed"] != true || a["approved"] != true ||
		a["tier"] != "partner" || role["name"] != "member" || a["account"] == nil || a["domain"] != nil {
		t.Errorf("admin account: %v", a)
	}
	for _, k := range []string{"id", "created_at", "ip", "suspended", "silenced", "disabled", "locale", "invite_request"} {
		if _, ok := a[k]; !ok {
			t.Errorf("admin account lacks %q", k)
		}
	}
	if res := member.API("GET", "/admin/accounts", nil); res.Status != 403 {
		t.Errorf("a member lists accounts: %d", res.Status)
	}
}
