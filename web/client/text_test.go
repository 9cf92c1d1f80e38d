package client_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// internals are what an error message must never show.
var internals = []string{"SQLSTATE", "invalid byte sequence", "pgx", "postgres", "dial tcp", "connection refused", "\\u0000"}

// Issue 13.7: NUL bytes and invalid UTF-8 gave 500s (and a 502 showing
// PostgreSQL's error). Text is checked once, where requests are decoded:
// every such input is 400 or 422, with no internals in the message.
func TestBadTextInputs(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	admin := n.CreateUser("admin", store.TierState, "admin")
	var g struct{ ID string }
	admin.API("POST", "/groups", map[string]any{"name": "Atelier"}).JSON(t, &g)
	const nul, badUTF8 = "a\x00b", "a\xff\xfeb"
	json := func(body string) []byte { return []byte(body) }
	cases := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/statuses", json(`{"status":"a\u0000b"}`)},
		{"POST", "/api/v1/groups", json(`{"name":"a\u0000b"}`)},
		{"POST", "/api/v1/groups", json(`{"name":"ok","description":"a\u0000b"}`)},
		{"POST", "/api/v1/groups/join", json(`{"acct":"a\u0000b@` + n.Host + `"}`)},
		{"POST", "/api/v1/groups/join", json(`{"acct":"x@a\u0000b"}`)},
		{"POST", "/api/v1/admin/tier_rules", json(`{"pattern":"a\u0000b.fr","tier":"state"}`)},
		{"PATCH", "/api/v1/accounts/update_credentials", json(`{"note":"a\u0000b"}`)},
		{"POST", "/api/v1/statuses", []byte("{\"status\":\"a\xff\xfeb\"}")},
		{"GET", "/api/v1/directory?q=" + url.QueryEscape(nul), nil},
		{"GET", "/api/v1/directory?skill=" + url.QueryEscape(badUTF8), nil},
		{"GET", "/api/v1/documents?q=" + url.QueryEscape(nul), nil},
		{"GET", "/api/v1/groups/" + g.ID + "/documents?q=" + url.QueryEscape(nul), nil},
		{"GET", "/api/v1/accounts/lookup?acct=" + url.QueryEscape(nul), nil},
		{"GET", "/api/v2/search?q=" + url.QueryEscape(nul), nil},
		{"GET", "/api/v2/search?q=" + url.QueryEscape("a\x00@"+n.Host), nil},
		{"GET", "/api/v1/groups/" + url.PathEscape(nul), nil},
		{"GET", "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+nul+"@"+n.Host), nil},
		{"GET", "/users/" + url.PathEscape(nul), nil},
		{"GET", "/directory?skill=" + url.QueryEscape(nul), nil},
		{"GET", "/@" + url.PathEscape(nul), nil},
	}
	for _, c := range cases {
		var res *testnet.Response
		if b, ok := c.body.([]byte); ok {
			res = n.Do(c.method, c.path, admin.Token, b)
		} else {
			res = n.Do(c.method, c.path, admin.Token, nil)
		}
		if res.Status != 400 && res.Status != 422 {
			t.Errorf("%s %s %v: %d, want 400 or 422: %.300s", c.method, c.path, c.body, res.Status, res.Body)
		}
		for _, bad := range internals {
			if strings.Contains(string(res.Body), bad) {
				t.Errorf("%s %s: the answer shows %q: %.300s", c.method, c.path, bad, res.Body)
			}
		}
	}
	// A form (what the web pages and some Mastodon clients send).
	res := n.Do("POST", "/api/v1/statuses", admin.Token, []byte("status="+url.QueryEscape(nul)), "Content-Type", "application/x-www-form-urlencoded")
	if res.Status != 422 && res.Status != 400 {
		t.Errorf("form with NUL: %d %s", res.Status, res.Body)
	}
}
