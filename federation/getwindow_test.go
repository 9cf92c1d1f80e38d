package federation

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// Issue 13.9: a signed GET's Date may be an hour old and five minutes ahead;
// a POST's keeps the 12 hours deliveries retried by slow queues need.
func TestSignedGetDateWindow(t *testing.T) {
	key, _ := rsaKeys(t)
	for _, tt := range []struct {
		method string
		age    time.Duration // how old the Date is when verified
		want   string
	}{
		{http.MethodGet, 30 * time.Second, ""},
		{http.MethodGet, 55 * time.Minute, ""},
		{http.MethodGet, 2 * time.Hour, ReasonStaleDate},
		{http.MethodGet, -4 * time.Minute, ""},
		{http.MethodGet, -10 * time.Minute, ReasonStaleDate},
		{http.MethodHead, 2 * time.Hour, ReasonStaleDate},
		{http.MethodPost, 11 * time.Hour, ""},
		{http.MethodPost, -11 * time.Hour, ""},
		{http.MethodPost, 13 * time.Hour, ReasonStaleDate},
	} {
		var body []byte
		if tt.method == http.MethodPost {
			body = testActivity
		}
		req := signed(t, tt.method, inboxURL, body, key)
		_, err := VerifyRequest(context.Background(), received(req, body), body, staticKey(&key.PublicKey), t0.Add(tt.age))
		if got := reasonOf(err); got != tt.want {
			t.Errorf("%s signed %s before: reason %q (%v), want %q", tt.method, tt.age, got, err, tt.want)
		}
	}
}
