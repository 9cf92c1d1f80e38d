package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

const activityJSON = "application/activity+json"

func TestBadInput(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	admin := n.CreateUser("admin", store.TierState, store.RoleAdmin)
	long := strings.Repeat("é", 101)
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		field                     string
	}{
		{"unknown account", "GET", "/api/v1/accounts/999999", "", nil, 404, ""},
		{"unknown account id shape", "GET", "/api/v1/accounts/abc", "", nil, 404, ""},
		{"unknown lookup", "GET", "/api/v1/accounts/lookup?acct=nobody", "", nil, 404, ""},
		{"unknown actor", "GET", "/users/nobody", "", nil, 404, ""},
		{"unknown group", "GET", "/api/v1/groups/424242", "", nil, 404, ""},
		{"malformed JSON", "POST", "/api/v1/statuses", admin.Token, []byte(`{"status": "x"`), 400, ""},
		{"wrong JSON type", "POST", "/api/v1/statuses", admin.Token, []byte(`{"status": 12}`), 400, ""},
		{"empty status", "POST", "/api/v1/statuses", admin.Token, map[string]string{"status": " "}, 422, "status"},
		{"long display name", "PATCH", "/api/v1/accounts/update_credentials", admin.Token, map[string]string{"display_name": long}, 422, "display_name"},
		{"long skill", "PATCH", "/api/v1/accounts/update_credentials", admin.Token, map[string]any{"skills": []string{strings.Repeat("a", 65)}}, 422, "skills"},
		{"long group name", "POST", "/api/v1/groups", admin.Token, map[string]string{"name": long}, 422, "name"},
		{"bad visibility", "POST", "/api/v1/groups", admin.Token, map[string]string{"name": "x", "visibility": "hidden"}, 422, "visibility"},
		{"duplicate username", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "admin", "email": "other@gouv.fr", "password": "long enough"}, 409, "username"},
		{"duplicate email", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "other", "email": "ADMIN@example.gouv.fr", "password": "long enough"}, 409, "email"},
		{"bad email", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "other", "email": "not-an-address", "password": "long enough"}, 422, "email"},
		{"short password", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "other", "email": "o@gouv.fr", "password": "short"}, 422, "password"},
		{"bad username", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "Ot/her", "email": "o@gouv.fr", "password": "long enough"}, 422, "username"},
		{"missing token", "GET", "/api/v1/timelines/home", "", nil, 401, ""},
		{"wrong token", "GET", "/api/v1/timelines/home", "nope", nil, 401, ""},
		{"oversized body", "POST", "/api/v1/statuses", admin.Token, []byte(`{"status":"` + strings.Repeat("a", 2<<20) + `"}`), 413, ""},
	} {
		var body any = tc.body
		res := n.Do(tc.method, tc.path, tc.token, body, "Accept", "application/json")
		if res.Status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.name, res.Status, tc.status, truncate(res.Body))
			continue
		}
		var e struct{ Error, Field string }
		res.JSON(t, &e)
		if e.Error == "" || e.Field != tc.field {
			t.Errorf("%s: error %q field %q, want field %q", tc.name, e.Error, e.Field, tc.field)
		}
	}
	// A refused sign-up leaves no actor behind (one transaction).
	var actors int
	if err := n.Pool.QueryRow(ctx, `select count(*) from actors where username = 'other'`).Scan(&actors); err != nil || actors != 0 {
		t.Errorf("refused sign-ups left %d actors (%v)", actors, err)
	}
	// 409 on the e-mail after the actor insert succeeded: nothing half-written.
	if err := n.Pool.QueryRow(ctx, `select count(*) from actors where type = 'Person'`).Scan(&actors); err != nil || actors != 1 {
		t.Errorf("persons: %d", actors)
	}
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

func TestHealthAndMetrics(t *testing.T) {
	// No worker: the test closes the node's Redis client under it.
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	if res := n.Do("GET", "/healthz", "", nil); res.Status != http.StatusOK {
		t.Fatalf("healthz: %d %s", res.Status, res.Body)
	}
	n.Do("GET", "/users/nobody", "", nil, "Accept", activityJSON)
	res := n.Do("GET", "/metrics", "", nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `archipel_http_requests_total{method="GET",route="/users/{username}",status="404"}`) {
		t.Errorf("metrics lack the request counter:\n%s", res.Body)
	}
	// With Redis gone the node says so, without the dial error's text.
	n.Redis.Close()
	if res := n.Do("GET", "/healthz", "", nil); res.Status != http.StatusServiceUnavailable ||
		strings.TrimSpace(string(res.Body)) != `{"postgres":"ok","redis":"unreachable"}` {
		t.Errorf("healthz without Redis: %d %s", res.Status, res.Body)
	}
}

// Issue 13.9: /metrics answers only the networks of ARCHIPEL_METRICS_ALLOW,
// judged by the connection's address (a forwarded-for header changes
// nothing).
func TestMetricsAllowlist(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true, MetricsAllow: "10.0.0.0/8, 192.0.2.7"})
	for _, xff := range []string{"", "10.1.2.3"} {
		res := n.Do("GET", "/metrics", "", nil, "X-Forwarded-For", xff, "X-Real-Ip", xff)
		if res.Status != http.StatusForbidden || strings.Contains(string(res.Body), "archipel_") {
			t.Errorf("metrics from 127.0.0.1 (X-Forwarded-For %q): %d %s", xff, res.Status, truncate(res.Body))
		}
	}
	// The default is loopback: TestHealthAndMetrics reads them from 127.0.0.1.
}
