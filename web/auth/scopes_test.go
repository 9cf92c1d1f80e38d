package auth_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// Every client API route declares a scope: a token holding only "push"
// is refused with 403 everywhere but the few routes any app may call.
func TestEveryAPIRouteNeedsItsScope(t *testing.T) {
	// One token calls every route: more writes than the per-account limit.
	n := testnet.StartNode(t, testnet.Options{NoWriteLimit: true})
	u := n.CreateUser("admin", store.TierState, store.RoleAdmin)
	push := n.TokenWith(u, "push")
	open := map[string]bool{"GET /api/v1/instance": true, "GET /api/v1/instance/": true, "POST /api/v1/apps": true,
		"GET /api/v1/apps/verify_credentials": true, "GET /api/v1/streaming/health": true,
		"GET /api/v2/instance": true, "GET /api/v1/instance/rules": true, "GET /api/v1/custom_emojis": true,
		// push-only tokens are what the push routes are for.
		"POST /api/v1/push/subscription": true, "GET /api/v1/push/subscription": true,
		"PUT /api/v1/push/subscription": true, "DELETE /api/v1/push/subscription": true}
	param := regexp.MustCompile(`\{[^}]+\}`)
	count := 0
	err := chi.Walk(n.Web.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/api/") || strings.HasSuffix(route, "/*") || method == http.MethodOptions {
			return nil
		}
		key := method + " " + route
		path := param.ReplaceAllString(route, "1")
		res := n.Do(method, path, push, nil)
		count++
		if open[key] {
			if res.Status == http.StatusForbidden {
				t.Errorf("%s refused a push-only token: %s", key, res.Body)
			}
			return nil
		}
		if res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "scope") {
			t.Errorf("%s with a push-only token: %d %s", key, res.Status, res.Body)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count < 60 {
		t.Errorf("walked only %d API routes", count)
	}
	// A parent scope grants its children; the admin CLI's token has them all.
	read := n.TokenWith(u, "read")
	if res := n.Do("GET", "/api/v1/timelines/home", read, nil); res.Status != 200 {
		t.Errorf("read token on the home timeline: %d", res.Status)
	}
	if res := n.Do("POST", "/api/v1/statuses", read, map[string]string{"status": "x"}); res.Status != 403 {
		t.Errorf("read token posting: %d", res.Status)
	}
	granular := n.TokenWith(u, "write:statuses")
	if res := n.Do("POST", "/api/v1/statuses", granular, map[string]string{"status": "granular"}); res.Status != 200 {
		t.Errorf("write:statuses token posting: %d %s", res.Status, res.Body)
	}
	if res := n.Do("POST", "/api/v1/statuses", u.Token, map[string]string{"status": "personal"}); res.Status != 200 {
		t.Errorf("personal token: %d", res.Status)
	}
	if res := n.Do("GET", "/api/v1/admin/accounts?username=admin", u.Token, nil); res.Status != 200 {
		t.Errorf("personal token on the admin API: %d", res.Status)
	}
}
