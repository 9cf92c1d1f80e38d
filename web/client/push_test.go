package client_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// browser is a push subscriber as a browser is one: a P-256 key pair and an
// auth secret, behind a push service (an HTTP server in the test) that
// decrypts what it receives and checks the sender's VAPID token.
type browser struct {
	t      *testing.T
	key    *ecdh.PrivateKey
	auth   []byte
	server *httptest.Server
	mu     sync.Mutex
	got    []received
	// fail answers the next requests with these statuses first.
	fail []int
}

type received struct {
	payload map[string]any
	err     error
}

func newBrowser(t *testing.T) *browser {
	b := &browser{t: t, auth: make([]byte, 16)}
	var err error
	if b.key, err = ecdh.P256().GenerateKey(rand.Reader); err != nil {
		t.Fatal(err)
	}
	_, _ = rand.Read(b.auth)
	b.server = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.server.Close)
	return b
}

func (b *browser) endpoint() string { return b.server.URL + "/push/abc" }

func (b *browser) keys() map[string]string {
	return map[string]string{"p256dh": base64.RawURLEncoding.EncodeToString(b.key.PublicKey().Bytes()),
		"auth": base64.RawURLEncoding.EncodeToString(b.auth)}
}

func (b *browser) serve(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	if len(b.fail) > 0 {
		status := b.fail[0]
		b.fail = b.fail[1:]
		b.mu.Unlock()
		w.WriteHeader(status)
		return
	}
	b.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	payload, err := b.open(r, body)
	b.mu.Lock()
	b.got = append(b.got, received{payload, err})
	b.mu.Unlock()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// open checks the request as a push service does (RFC 8292's VAPID token
// for this origin) and decrypts it as the browser does (RFC 8291 section
// 3.4, RFC 8188's record).
func (b *browser) open(r *http.Request, body []byte) (map[string]any, error) {
	if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
		return nil, fmt.Errorf("headers: %v", r.Header)
	}
	if err := checkVAPID(r.Header.Get("Authorization"), b.server.URL); err != nil {
		return nil, err
	}
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen || rs < 18 {
		return nil, fmt.Errorf("header: idlen %d rs %d", idlen, rs)
	}
	asPublic, record := body[21:21+idlen], body[21+idlen:]
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, err
	}
	shared, err := b.key.ECDH(as)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), b.key.PublicKey().Bytes()...), asPublic...)
	ikm, _ := hkdf.Key(sha256.New, shared, b.auth, string(info), 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 0x02 {
		return nil, errors.New("no last-record delimiter")
	}
	var payload map[string]any
	if err := json.Unmarshal(plain[:end], &payload); err != nil {
		return nil, fmt.Errorf("payload: %w: %q", err, plain[:end])
	}
	return payload, nil
}

// checkVAPID verifies "vapid t=JWT, k=key" by hand: an ES256 signature by
// k over the token, for the push service's origin, not expired, with a
// subject.
func checkVAPID(header, origin string) error {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return fmt.Errorf("authorization %q", header)
	}
	var token, key string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			token = v
		case "k":
			key = v
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return errors.New("k is not base64url")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return errors.New("k is not a P-256 point")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("t is not a JWT")
	}
	var head struct{ Alg, Typ string }
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if json.Unmarshal(hb, &head) != nil || head.Alg != "ES256" {
		return fmt.Errorf("JWT header %s", hb)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return errors.New("signature is not r||s")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("bad VAPID signature")
	}
	var claims struct {
		Aud any
		Exp int64
		Sub string
	}
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(cb, &claims); err != nil {
		return err
	}
	aud := fmt.Sprint(claims.Aud)
	if list, ok := claims.Aud.([]any); ok && len(list) == 1 {
		aud = fmt.Sprint(list[0])
	}
	if aud != origin || claims.Exp < time.Now().Unix() || claims.Exp > time.Now().Add(24*time.Hour).Unix() || claims.Sub == "" {
		return fmt.Errorf("claims %s for origin %s", cb, origin)
	}
	return nil
}

func (b *browser) waitFor(t *testing.T, n int) []received {
	t.Helper()
	testnet.Eventually(t, 20*time.Second, fmt.Sprintf("%d pushes", n), func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.got) >= n
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received{}, b.got...)
}

func pushStates(t *testing.T, n *testnet.Node) map[string]int {
	t.Helper()
	rows, err := n.Pool.Query(context.Background(), `select state, attempts from push_messages order by id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var attempts int
		_ = rows.Scan(&state, &attempts)
		out[state]++
		out["attempts"] += attempts
	}
	return out
}

// A mention is pushed to bob's subscription, encrypted for his browser and
// signed with the node's VAPID key; a push service's failure is retried;
// alerts and policy choose what is pushed; a gone endpoint unsubscribes.
func TestWebPush(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	br := newBrowser(t)
	var sub struct {
		ID, Endpoint, Policy string
		Alerts               map[string]bool
		ServerKey            string `json:"server_key"`
	}
	res := bob.API("POST", "/push/subscription", map[string]any{
		"subscription": map[string]any{"endpoint": br.endpoint(), "keys": br.keys()},
		"data":         map[string]any{"alerts": map[string]any{"mention": true, "poll": true}, "policy": "all"}})
	res.JSON(t, &sub)
	if res.Status != 200 || sub.Endpoint != br.endpoint() || !sub.Alerts["mention"] || sub.Alerts["favourite"] || sub.Policy != "all" {
		t.Fatalf("subscribe: %d %s", res.Status, res.Body)
	}
	var instance struct {
		Configuration struct {
			Vapid struct {
				PublicKey string `json:"public_key"`
			}
		}
	}
	n.Do("GET", "/api/v2/instance", "", nil).JSON(t, &instance)
	if sub.ServerKey == "" || sub.ServerKey != instance.Configuration.Vapid.PublicKey {
		t.Errorf("server key %q, instance's %q", sub.ServerKey, instance.Configuration.Vapid.PublicKey)
	}

	id := post(t, alice, map[string]any{"status": "@bob le conseil est à 14 h"})
	got := br.waitFor(t, 1)
	if got[0].err != nil {
		t.Fatalf("the push service refused the push: %v", got[0].err)
	}
	p := got[0].payload
	var notes []struct{ ID, Type string }
	bob.API("GET", "/notifications", nil).JSON(t, &notes)
	if len(notes) != 1 || p["notification_type"] != "mention" || p["notification_id"] != notes[0].ID ||
		!strings.Contains(fmt.Sprint(p["title"]), "alice") || !strings.Contains(fmt.Sprint(p["body"]), "conseil") {
		t.Errorf("payload %v, notifications %v", p, notes)
	}

	// A favourite is not among the alerts: nothing is written or sent.
	mine := post(t, bob, map[string]any{"status": "mon message"})
	alice.API("POST", "/statuses/"+mine+"/favourite", nil)
	// The push service fails twice; the push goes on the third attempt.
	br.mu.Lock()
	br.fail = []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}
	br.mu.Unlock()
	post(t, alice, map[string]any{"status": "@bob deuxième rappel", "in_reply_to_id": id})
	got = br.waitFor(t, 2)
	if got[1].err != nil || got[1].payload["notification_type"] != "mention" {
		t.Errorf("second push: %+v", got[1])
	}
	// The worker marks a push sent once the push service has answered.
	testnet.Eventually(t, 10*time.Second, "2 pushes sent after 1 + 3 attempts", func() bool {
		s := pushStates(t, n)
		return s["sent"] == 2 && s["attempts"] == 4 && s["pending"] == 0
	})

	// PUT: favourites too, but only from people bob follows (not alice).
	res = bob.API("PUT", "/push/subscription", map[string]any{"data": map[string]any{
		"alerts": map[string]any{"favourite": true}, "policy": "followed"}})
	res.JSON(t, &sub)
	if res.Status != 200 || !sub.Alerts["favourite"] || !sub.Alerts["mention"] || sub.Policy != "followed" {
		t.Errorf("update: %d %s", res.Status, res.Body)
	}
	other := post(t, bob, map[string]any{"status": "un autre"})
	alice.API("POST", "/statuses/"+other+"/favourite", nil)
	if s := pushStates(t, n); s["sent"]+s["pending"]+s["dead"] != 2 {
		t.Errorf("a favourite from someone bob does not follow was pushed: %v", s)
	}

	// The push service says the subscription is gone: the node forgets it.
	if res := bob.API("PUT", "/push/subscription", map[string]any{"data": map[string]any{"policy": "all"}}); res.Status != 200 {
		t.Fatalf("policy back to all: %d", res.Status)
	}
	br.mu.Lock()
	br.fail = []int{http.StatusGone}
	br.mu.Unlock()
	post(t, alice, map[string]any{"status": "@bob troisième"})
	testnet.Eventually(t, 20*time.Second, "the gone subscription removed", func() bool {
		return bob.API("GET", "/push/subscription", nil).Status == 404
	})
}

// Bad input to the push routes gets 4xx with a JSON error and leaves no
// row; the form-encoded body of Mastodon's apps works; DELETE unsubscribes.
func TestWebPushBadInput(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	bob := n.CreateUser("bob", store.TierState, "")
	br := newBrowser(t)
	keys := br.keys()
	for _, c := range []struct {
		what string
		body map[string]any
	}{
		{"no subscription", map[string]any{"data": map[string]any{"policy": "all"}}},
		{"no endpoint", map[string]any{"subscription": map[string]any{"keys": keys}}},
		{"plain http to another host", map[string]any{"subscription": map[string]any{"endpoint": "http://push.example/x", "keys": keys}}},
		{"short auth", map[string]any{"subscription": map[string]any{"endpoint": br.endpoint(),
			"keys": map[string]string{"p256dh": keys["p256dh"], "auth": "AAAA"}}}},
		{"not a point", map[string]any{"subscription": map[string]any{"endpoint": br.endpoint(),
			"keys": map[string]string{"p256dh": base64.RawURLEncoding.EncodeToString(make([]byte, 65)), "auth": keys["auth"]}}}},
		{"unknown policy", map[string]any{"subscription": map[string]any{"endpoint": br.endpoint(), "keys": keys},
			"data": map[string]any{"policy": "friends"}}},
		{"alert not a boolean", map[string]any{"subscription": map[string]any{"endpoint": br.endpoint(), "keys": keys},
			"data": map[string]any{"alerts": map[string]any{"mention": "yes"}}}},
	} {
		res := bob.API("POST", "/push/subscription", c.body)
		var e struct{ Error string }
		res.JSON(t, &e)
		if res.Status != 422 && res.Status != 400 || e.Error == "" {
			t.Errorf("%s: %d %s", c.what, res.Status, res.Body)
		}
	}
	var count int
	_ = n.Pool.QueryRow(context.Background(), `select count(*) from push_subscriptions`).Scan(&count)
	if count != 0 {
		t.Errorf("refused subscriptions left %d rows", count)
	}
	if res := bob.API("GET", "/push/subscription", nil); res.Status != 404 {
		t.Errorf("GET with no subscription: %d", res.Status)
	}
	if res := n.Do("GET", "/api/v1/push/subscription", "", nil); res.Status != 401 {
		t.Errorf("GET without a token: %d", res.Status)
	}
	form := url.Values{"subscription[endpoint]": {br.endpoint()}, "subscription[keys][p256dh]": {keys["p256dh"]},
		"subscription[keys][auth]": {keys["auth"]}, "data[alerts][follow]": {"true"}, "data[policy]": {"follower"}}
	res := n.Do("POST", "/api/v1/push/subscription", bob.Token, []byte(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	var sub struct {
		Policy string
		Alerts map[string]bool
	}
	res.JSON(t, &sub)
	if res.Status != 200 || sub.Policy != "follower" || !sub.Alerts["follow"] || sub.Alerts["mention"] {
		t.Errorf("form subscribe: %d %s", res.Status, res.Body)
	}
	if res := bob.API("DELETE", "/push/subscription", nil); res.Status != 200 {
		t.Errorf("delete: %d", res.Status)
	}
	if res := bob.API("GET", "/push/subscription", nil); res.Status != 404 {
		t.Errorf("GET after delete: %d", res.Status)
	}
}
