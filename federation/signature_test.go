package federation

import (
	"github.com/archipel-social/archipel/keys"

	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
)

const (
	testKeyID = "https://peer.example/users/alice#main-key"
	testOwner = "https://peer.example/users/alice"
)

// t0 is the signing time of most tests, so that Date checks do not depend on
// the clock.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// testRSAKeys holds two keys generated once (RSA generation is slow): the
// signer's key and an unrelated or rotated-away one.
var testRSAKeys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
	var pair [2]*rsa.PrivateKey
	for i := range pair {
		privPEM, _, err := keys.GenerateKeyPair()
		if err != nil {
			return pair, err
		}
		k, err := keys.ParsePrivateKey(privPEM)
		if err != nil {
			return pair, err
		}
		pair[i] = k.(*rsa.PrivateKey)
	}
	return pair, nil
})

func rsaKeys(tb testing.TB) (signer, other *rsa.PrivateKey) {
	tb.Helper()
	keys, err := testRSAKeys()
	if err != nil {
		tb.Fatal(err)
	}
	return keys[0], keys[1]
}

// resolver answers from fixed keys and records the refresh flags it got.
type resolver struct {
	cached, fresh crypto.PublicKey // fresh is used when refresh=true
	err, freshErr error

	mu    sync.Mutex
	calls []bool
}

func (r *resolver) ResolveKey(_ context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	r.mu.Lock()
	r.calls = append(r.calls, refresh)
	r.mu.Unlock()
	if keyID != testKeyID {
		return nil, "", fmt.Errorf("unknown key %q", keyID)
	}
	if refresh {
		if r.freshErr != nil {
			return nil, "", r.freshErr
		}
		if r.fresh != nil {
			return r.fresh, testOwner, nil
		}
	}
	if r.err != nil {
		return nil, "", r.err
	}
	return r.cached, testOwner, nil
}

func staticKey(pub crypto.PublicKey) *resolver { return &resolver{cached: pub, fresh: pub} }

var testActivity = []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://peer.example/activities/1","type":"Follow","actor":"https://peer.example/users/alice","object":"https://archipel.example/users/bob"}`)

const inboxURL = "https://archipel.example/users/bob/inbox"

// signed builds a request as a peer would send it, signed at t0.
func signed(tb testing.TB, method, target string, body []byte, key crypto.PrivateKey) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := signRequestAt(req, body, testKeyID, key, t0); err != nil {
		tb.Fatal(err)
	}
	return req
}

// received turns a client request into what a server handler sees: Host
// moves out of the header map into r.Host.
func received(req *http.Request, body []byte) *http.Request {
	r := httptest.NewRequest(req.Method, req.URL.String(), bytes.NewReader(body))
	r.Header = req.Header.Clone()
	r.Header.Del("Host")
	r.Host = req.Host
	return r
}

func reasonOf(err error) string {
	var se *SignatureError
	if errors.As(err, &se) {
		return se.Reason
	}
	return ""
}

func b64sha256(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// inboxServer verifies every request it gets and answers 202 with the owner,
// or 401 with the reason.
func inboxServer(t *testing.T, keys KeyResolver) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := ReadLimited(r.Body, 1<<20)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		v, err := VerifyRequest(r.Context(), r, body, keys, time.Now())
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, reasonOf(err)+": "+err.Error())
			return
		}
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, v.Owner)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func loopbackClient(t *testing.T) *http.Client {
	t.Helper()
	return NewHTTPClient(ClientConfig{
		AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Timeout:      10 * time.Second,
	})
}

func TestSignVerifyOverHTTP(t *testing.T) {
	key, _ := rsaKeys(t)
	srv := inboxServer(t, staticKey(&key.PublicKey))
	client := loopbackClient(t)

	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
	}{
		{"POST to inbox", http.MethodPost, "/users/bob/inbox", testActivity},
		{"POST empty body", http.MethodPost, "/inbox", []byte{}},
		{"GET actor", http.MethodGet, "/users/bob", nil},
		{"GET with query and escaped path", http.MethodGet, "/users/al%40ice/outbox?page=true&min_id=3", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept", "application/activity+json")
			if err := SignRequest(req, tt.body, testKeyID, key); err != nil {
				t.Fatal(err)
			}
			sig := req.Header.Get("Signature")
			if !strings.Contains(sig, `algorithm="rsa-sha256"`) {
				t.Errorf("Signature = %s, want algorithm rsa-sha256", sig)
			}
			wantHeaders := `headers="(request-target) host date"`
			if tt.body != nil {
				wantHeaders = `headers="(request-target) host date digest"`
			}
			if !strings.Contains(sig, wantHeaders) {
				t.Errorf("Signature = %s, want %s", sig, wantHeaders)
			}
			if got := req.Header.Get("Digest"); (got != "") != (tt.body != nil) {
				t.Errorf("Digest = %q for body %v", got, tt.body != nil)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusAccepted || string(got) != testOwner {
				t.Fatalf("status %d, body %q; want 202 %q", resp.StatusCode, got, testOwner)
			}
		})
	}
}

func TestSignRequestSetsBodyAndResigns(t *testing.T) {
	key, _ := rsaKeys(t)
	req := signed(t, http.MethodPost, inboxURL, testActivity, key)
	if req.ContentLength != int64(len(testActivity)) {
		t.Errorf("ContentLength = %d", req.ContentLength)
	}
	for _, name := range []string{"Body", "GetBody"} {
		var rc io.ReadCloser
		if name == "Body" {
			rc = req.Body
		} else {
			var err error
			if rc, err = req.GetBody(); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := io.ReadAll(rc)
		if !bytes.Equal(got, testActivity) {
			t.Errorf("%s = %q", name, got)
		}
	}
	if got, want := req.Header.Get("Date"), "Mon, 23 Nov 2026 10:00:00 GMT"; got != want {
		t.Errorf("Date = %q, want %q", got, want)
	}
	if got := req.Header.Get("Host"); got != "archipel.example" {
		t.Errorf("Host = %q", got)
	}

	// A retry signs the same request again: one Digest, one Signature.
	if err := signRequestAt(req, testActivity, testKeyID, key, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(req.Header.Values("Signature")); n != 1 {
		t.Errorf("%d Signature headers after re-signing", n)
	}
	if n := len(req.Header.Values("Digest")); n != 1 {
		t.Errorf("%d Digest headers after re-signing", n)
	}
	if _, err := VerifyRequest(context.Background(), received(req, testActivity), testActivity, staticKey(&key.PublicKey), t0.Add(time.Minute)); err != nil {
		t.Errorf("re-signed request: %v", err)
	}
}

func TestSignRequestRefusesBadInput(t *testing.T) {
	key, _ := rsaKeys(t)
	_, ecKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name  string
		keyID string
		key   crypto.PrivateKey
	}{
		{"empty key id", "", key},
		{"quote in key id", `https://x/"k`, key},
		{"unsupported key", testKeyID, "not a key"},
		{"public key", testKeyID, &key.PublicKey},
		{"ed25519 public key", testKeyID, ecKey.Public()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, inboxURL, nil)
			if err := SignRequest(req, nil, tt.keyID, tt.key); err == nil {
				t.Fatal("SignRequest succeeded")
			}
		})
	}
}

// signOnly signs with httpsig directly, covering exactly headers, as a
// careless or hostile peer might.
func signOnly(t *testing.T, req *http.Request, body []byte, key crypto.PrivateKey, headers []string) {
	t.Helper()
	req.Header.Del("Signature")
	if body != nil {
		req.Header.Del("Digest")
	}
	s, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 300)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SignRequest(key, testKeyID, req, body); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRequest(t *testing.T) {
	key, other := rsaKeys(t)
	pub, otherPub := &key.PublicKey, &other.PublicKey

	tests := []struct {
		name   string
		method string
		body   []byte
		keys   *resolver
		now    time.Time
		mutate func(t *testing.T, req *http.Request, body *[]byte)
		want   string // reason, "" for success
		calls  []bool // refresh flags the resolver must have seen, if set
	}{
		{name: "POST", method: http.MethodPost, want: "", calls: []bool{false}},
		{name: "GET", method: http.MethodGet, body: []byte(nil), want: ""},
		{
			name: "algorithm hs2019",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), "rsa-sha256", "hs2019", 1))
			},
		},
		{
			name: "no algorithm parameter",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), `algorithm="rsa-sha256",`, "", 1))
			},
		},
		{
			name: "Authorization: Signature",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				req.Header.Set("Authorization", "Signature "+req.Header.Get("Signature"))
				req.Header.Del("Signature")
			},
		},
		{
			name: "lower-case digest algorithm among others",
			mutate: func(t *testing.T, req *http.Request, body *[]byte) {
				sum := sha512.Sum512(*body)
				d := "SHA-512=" + base64.StdEncoding.EncodeToString(sum[:]) + ", sha-256=" + b64sha256(*body)
				req.Header.Set("Digest", d)
				signOnly(t, req, nil, key, []string{httpsig.RequestTarget, "host", "date", "digest"})
			},
		},
		{
			name: "(created) instead of date",
			now:  time.Now(),
			mutate: func(t *testing.T, req *http.Request, body *[]byte) {
				req.Header.Del("Date")
				signOnly(t, req, *body, key, []string{httpsig.RequestTarget, "host", "(created)", "(expires)", "digest"})
			},
		},
		{
			name: "(created) 13h old",
			now:  time.Now().Add(13 * time.Hour),
			mutate: func(t *testing.T, req *http.Request, body *[]byte) {
				req.Header.Del("Date")
				signOnly(t, req, *body, key, []string{httpsig.RequestTarget, "host", "(created)", "digest"})
			},
			want: ReasonStaleDate,
		},
		{
			name: "(expires) passed",
			now:  time.Now().Add(6 * time.Minute),
			mutate: func(t *testing.T, req *http.Request, body *[]byte) {
				req.Header.Del("Date")
				signOnly(t, req, *body, key, []string{httpsig.RequestTarget, "host", "(created)", "(expires)", "digest"})
			},
			want: ReasonStaleDate,
		},
		{
			name:  "key rotation: cached key is old, refetched one verifies",
			keys:  &resolver{cached: otherPub, fresh: pub},
			calls: []bool{false, true},
		},

		{
			name:   "no signature",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) { req.Header.Del("Signature") },
			want:   ReasonMissingSignature,
		},
		{
			name: "Authorization with another scheme",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				req.Header.Del("Signature")
				req.Header.Set("Authorization", "Bearer abc")
			},
			want: ReasonMissingSignature,
		},
		{
			name:   "garbage signature header",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) { req.Header.Set("Signature", "garbage") },
			want:   ReasonMalformedSignature,
		},
		{
			name: "two signature headers",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				req.Header.Add("Signature", req.Header.Get("Signature"))
			},
			want: ReasonMalformedSignature,
		},
		{
			name: "unsupported algorithm",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), "rsa-sha256", "hmac-sha256", 1))
			},
			want: ReasonMalformedSignature,
		},
		{
			name: "tampered body with original digest",
			mutate: func(t *testing.T, req *http.Request, body *[]byte) {
				*body = bytes.Replace(*body, []byte("Follow"), []byte("Delete"), 1)
			},
			want: ReasonDigestMismatch,
		},
		{
			name: "digest header changed",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				req.Header.Set("Digest", "SHA-256="+b64sha256([]byte("something else")))
			},
			want: ReasonDigestMismatch,
		},
		{
			name: "digest without SHA-256",
			mutate: func(t *testing.T, req *http.Request, body *[]byte) {
				sum := sha512.Sum512(*body)
				req.Header.Set("Digest", "SHA-512="+base64.StdEncoding.EncodeToString(sum[:]))
			},
			want: ReasonDigestMismatch,
		},
		{
			name:   "digest header removed",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) { req.Header.Del("Digest") },
			want:   ReasonMissingHeaders,
		},
		{name: "stale date 13h", now: t0.Add(13 * time.Hour), want: ReasonStaleDate},
		{name: "future date 13h", now: t0.Add(-13 * time.Hour), want: ReasonStaleDate},
		{name: "date 11h old still accepted", now: t0.Add(11 * time.Hour)},
		{
			name: "signature covering only date",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				signOnly(t, req, nil, key, []string{"date"})
			},
			want: ReasonMissingHeaders,
		},
		{
			name: "POST signature without digest",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				signOnly(t, req, nil, key, []string{httpsig.RequestTarget, "host", "date"})
			},
			want: ReasonMissingHeaders,
		},
		{
			name: "GET signature without host",
			body: []byte(nil), method: http.MethodGet,
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				signOnly(t, req, nil, key, []string{httpsig.RequestTarget, "date"})
			},
			want: ReasonMissingHeaders,
		},
		{
			name:   "unparseable date",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) { req.Header.Set("Date", "yesterday") },
			want:   ReasonMalformedSignature,
		},
		{
			name: "date changed by a second",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) {
				req.Header.Set("Date", "Mon, 23 Nov 2026 10:00:01 GMT")
			},
			want: ReasonBadSignature,
		},
		{
			name:   "other target path",
			mutate: func(t *testing.T, req *http.Request, _ *[]byte) { req.URL.Path = "/users/carol/inbox" },
			want:   ReasonBadSignature,
		},
		{name: "wrong key", keys: staticKey(otherPub), want: ReasonBadSignature, calls: []bool{false, true}},
		{name: "unknown key", keys: &resolver{err: errors.New("404 from origin")}, want: ReasonUnknownKey, calls: []bool{false}},
		{
			name:  "refetch fails",
			keys:  &resolver{cached: otherPub, freshErr: errors.New("origin down")},
			want:  ReasonUnknownKey,
			calls: []bool{false, true},
		},
		{name: "resolver returns an unsupported key", keys: staticKey("pem text"), want: ReasonBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			body := testActivity
			if method == http.MethodGet {
				body = nil
			}
			req := signed(t, method, inboxURL, body, key)
			body = bytes.Clone(body)
			if tt.mutate != nil {
				tt.mutate(t, req, &body)
			}
			keys := tt.keys
			if keys == nil {
				keys = staticKey(pub)
			}
			now := tt.now
			if now.IsZero() {
				now = t0.Add(30 * time.Second)
			}

			v, err := VerifyRequest(context.Background(), received(req, body), body, keys, now)
			if got := reasonOf(err); got != tt.want || (err != nil && tt.want == "") {
				t.Fatalf("VerifyRequest: reason %q, err %v; want reason %q", got, err, tt.want)
			}
			if err == nil && (v.KeyID != testKeyID || v.Owner != testOwner) {
				t.Errorf("Verified = %+v", v)
			}
			if tt.calls != nil && !reflect.DeepEqual(keys.calls, tt.calls) {
				t.Errorf("resolver calls (refresh flags) = %v, want %v", keys.calls, tt.calls)
			}
		})
	}
}

func TestVerifyRequestDoesNotModifyHeaders(t *testing.T) {
	key, _ := rsaKeys(t)
	req := received(signed(t, http.MethodPost, inboxURL, testActivity, key), testActivity)
	before := req.Header.Clone()
	if _, err := VerifyRequest(context.Background(), req, testActivity, staticKey(&key.PublicKey), t0); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, req.Header) {
		t.Errorf("headers changed:\n%v\n%v", before, req.Header)
	}
}

func TestVerifyRequestPKCS1PublicKey(t *testing.T) {
	key, _ := rsaKeys(t)
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)}))
	pub, err := keys.ParsePublicKey(pkcs1)
	if err != nil {
		t.Fatal(err)
	}
	req := signed(t, http.MethodPost, inboxURL, testActivity, key)
	if _, err := VerifyRequest(context.Background(), received(req, testActivity), testActivity, staticKey(pub), t0); err != nil {
		t.Fatal(err)
	}
}

func TestSignVerifyEd25519(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, _ := rsaKeys(t)
	tests := []struct {
		name string
		key  crypto.PublicKey
		alg  string // replaces hs2019 in the header when set
		want string
	}{
		{name: "hs2019", key: pub},
		{name: "ed25519", key: pub, alg: "ed25519"},
		{name: "rsa-sha256 with ed25519 key", key: pub, alg: "rsa-sha256", want: ReasonBadSignature},
		{name: "RSA key", key: &rsaKey.PublicKey, want: ReasonBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := signed(t, http.MethodPost, inboxURL, testActivity, priv)
			if tt.alg != "" {
				req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), "hs2019", tt.alg, 1))
			}
			_, err := VerifyRequest(context.Background(), received(req, testActivity), testActivity, staticKey(tt.key), t0)
			if got := reasonOf(err); got != tt.want || (err != nil && tt.want == "") {
				t.Fatalf("reason %q, err %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestSignatureErrorUnwrap(t *testing.T) {
	cause := errors.New("boom")
	var err error = &SignatureError{Reason: ReasonUnknownKey, Err: cause}
	if !errors.Is(fmt.Errorf("inbox: %w", err), cause) {
		t.Error("errors.Is does not reach the cause")
	}
	if got, want := err.Error(), "http signature: unknown_key: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseSignatureHeader(t *testing.T) {
	const sig = "dGVzdCBzaWduYXR1cmU="
	tests := []struct {
		name    string
		in      string
		want    SignatureParams
		wantErr bool
	}{
		{
			name: "Mastodon",
			in:   `keyId="https://mastodon.example/users/Gargron#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="` + sig + `"`,
			want: SignatureParams{KeyID: "https://mastodon.example/users/Gargron#main-key", Algorithm: "rsa-sha256",
				Headers: []string{"(request-target)", "host", "date", "digest", "content-type"}, Signature: sig},
		},
		{
			name: "GoToSocial, spaces after commas",
			in:   `keyId="https://gts.example/users/alice/main-key", algorithm="hs2019", headers="(request-target) host date digest", signature="` + sig + `"`,
			want: SignatureParams{KeyID: "https://gts.example/users/alice/main-key", Algorithm: "hs2019",
				Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: sig},
		},
		{
			name: "created and expires, quoted and bare",
			in:   `keyId="k",created=1700000000,expires="1700000300",headers="(request-target) (created) (expires)",signature="` + sig + `"`,
			want: SignatureParams{KeyID: "k", Created: 1700000000, Expires: 1700000300,
				Headers: []string{"(request-target)", "(created)", "(expires)"}, Signature: sig},
		},
		{
			name: "case-insensitive names, comma and escaped quote in value, unknown parameter, empty elements",
			in:   `, KeyId = "https://x.example/a,b\"c" ,,Headers="Date HOST",foo=bar,signature="` + sig + `",`,
			want: SignatureParams{KeyID: `https://x.example/a,b"c`, Headers: []string{"date", "host"}, Signature: sig},
		},
		{name: "no headers parameter", in: `keyId="k",signature="` + sig + `"`, want: SignatureParams{KeyID: "k", Signature: sig}},

		{name: "empty", in: "", wantErr: true},
		{name: "only commas", in: " , ,", wantErr: true},
		{name: "missing keyId", in: `signature="` + sig + `"`, wantErr: true},
		{name: "missing signature", in: `keyId="k"`, wantErr: true},
		{name: "empty keyId", in: `keyId="",signature="` + sig + `"`, wantErr: true},
		{name: "duplicate keyId", in: `keyId="a",keyId="b",signature="` + sig + `"`, wantErr: true},
		{name: "duplicate headers", in: `keyId="a",headers="date",headers="host",signature="` + sig + `"`, wantErr: true},
		{name: "duplicate signature", in: `keyId="a",signature="` + sig + `",signature="` + sig + `"`, wantErr: true},
		{name: "unterminated quote", in: `keyId="a,signature="` + sig, wantErr: true},
		{name: "trailing backslash", in: `keyId="a\`, wantErr: true},
		{name: "junk after value", in: `keyId="a"b,signature="` + sig + `"`, wantErr: true},
		{name: "no equals", in: `keyId,signature="` + sig + `"`, wantErr: true},
		{name: "no name", in: `="a",signature="` + sig + `"`, wantErr: true},
		{name: "control character", in: "keyId=\"a\nb\",signature=\"" + sig + `"`, wantErr: true},
		{name: "signature not base64", in: `keyId="a",signature="not base64!"`, wantErr: true},
		{name: "unquoted base64 signature", in: `keyId="a",signature=` + sig, wantErr: true},
		{name: "negative created", in: `keyId="a",created=-1,signature="` + sig + `"`, wantErr: true},
		{name: "created not a number", in: `keyId="a",created="soon",signature="` + sig + `"`, wantErr: true},
		{name: "created overflows", in: `keyId="a",created=99999999999999999999,signature="` + sig + `"`, wantErr: true},
		{name: "created zero", in: `keyId="a",created=0,signature="` + sig + `"`, wantErr: true},
		{name: "empty headers", in: `keyId="a",headers="",signature="` + sig + `"`, wantErr: true},
		{name: "header listed twice", in: `keyId="a",headers="date Date",signature="` + sig + `"`, wantErr: true},
		{name: "bad header name", in: `keyId="a",headers="date (foo)",signature="` + sig + `"`, wantErr: true},
		{name: "too many headers", in: `keyId="a",headers="` + manyHeaders(maxSignedHeaders+1) + `",signature="` + sig + `"`, wantErr: true},
		{name: "huge", in: `keyId="` + strings.Repeat("a", MaxSignatureHeaderBytes) + `",signature="` + sig + `"`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSignatureHeader(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parsed %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			again, err := ParseSignatureHeader(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip of %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func manyHeaders(n int) string {
	h := make([]string, n)
	for i := range h {
		h[i] = fmt.Sprintf("x-h%d", i)
	}
	return strings.Join(h, " ")
}
