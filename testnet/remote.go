package testnet

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-fed/httpsig"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/keys"
)

// RemoteActor is a hand-driven peer for tests that must send activities no
// real node would: an httptest server on a loopback port serving one Person
// (with an RSA key made by keys.GenerateKeyPair) and any extra documents, and
// recording every request it receives. Its inboxes answer 202.
type RemoteActor struct {
	Username     string
	URI          string // base + /users/<name>
	KeyID        string // URI#main-key
	Inbox        string // URI/inbox
	SharedInbox  string // base + /inbox
	Outbox       string
	Followers    string
	Following    string
	Base         string // scheme://host:port as used in its ids
	Host         string // host:port of its ids
	Key          crypto.PrivateKey
	PublicKeyPEM string
	Server       *httptest.Server
	// Type is the actor's type in its document (default Person).
	Type string
	// Ed25519Key, when set (RemoteOptions.Ed25519), is published as a
	// FEP-521a Multikey with the id Ed25519KeyID (URI#ed25519-key).
	Ed25519Key   ed25519.PrivateKey
	Ed25519KeyID string

	// home is the actor whose server serves this one (a Sibling); nil for
	// an actor with its own server.
	home *RemoteActor

	signedFetchOnly bool

	mu       sync.Mutex
	docs     map[string][]byte
	statuses map[string]int
	requests []*ReceivedRequest
	next     atomic.Int64
}

// RemoteOptions adjust NewRemoteActorWith.
type RemoteOptions struct {
	// Authority, when set, is the host[:port] used in the actor's ids
	// instead of the server's 127.0.0.1:port; "{port}" in it stands for the
	// server's port. It must still reach the server, e.g. "localhost:{port}"
	// or "127.0.0.1:0{port}" (the same port spelled differently).
	Authority string
	// SignedFetchOnly answers 401 to a GET without a valid HTTP signature,
	// as GoToSocial (always) and Mastodon in authorized-fetch mode do; the
	// signer's key is fetched from its keyId.
	SignedFetchOnly bool
	// Ed25519 gives the actor an Ed25519 key in its assertionMethod.
	Ed25519 bool
}

// ReceivedRequest is one request the fake remote received, body read whole.
type ReceivedRequest struct {
	Method string
	Path   string
	Host   string
	Header http.Header
	Body   []byte
	req    *http.Request
}

// Request returns a copy of the request as the server saw it, with its body
// readable again, e.g. for federation.VerifyRequest.
func (q *ReceivedRequest) Request() *http.Request {
	r := q.req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(q.Body))
	return r
}

// Signed tells whether the request carries an HTTP signature.
func (q *ReceivedRequest) Signed() bool {
	return q.Header.Get("Signature") != "" || strings.HasPrefix(q.Header.Get("Authorization"), "Signature ")
}

// NewRemoteActor starts a fake peer on 127.0.0.1 with one Person called
// username. The server stops when the test ends.
func NewRemoteActor(t testing.TB, username string) *RemoteActor {
	t.Helper()
	return NewRemoteActorWith(t, username, RemoteOptions{})
}

// NewRemoteActorWith is NewRemoteActor with options.
func NewRemoteActorWith(t testing.TB, username string, opts RemoteOptions) *RemoteActor {
	t.Helper()
	priv, pubPEM := newKeyPair(t)
	r := &RemoteActor{Username: username, Key: priv, PublicKeyPEM: pubPEM, signedFetchOnly: opts.SignedFetchOnly,
		docs: map[string][]byte{}, statuses: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serveHTTP))
	t.Cleanup(r.Server.Close)

	u, err := url.Parse(r.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	r.Host = u.Host
	if opts.Authority != "" {
		_, port, err := net.SplitHostPort(u.Host)
		if err != nil {
			t.Fatal(err)
		}
		r.Host = strings.ReplaceAll(opts.Authority, "{port}", port)
	}
	r.Base = "http://" + r.Host
	r.setURIs()
	if opts.Ed25519 {
		r.RotateEd25519(t)
	}
	r.Serve("/users/"+username, r.ActorDocument())
	return r
}

// RotateEd25519 gives the actor a new Ed25519 key (its document is served
// again with it by the caller, or by NewRemoteActorWith).
func (r *RemoteActor) RotateEd25519(t testing.TB) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Ed25519Key, r.Ed25519KeyID = priv, r.URI+"#ed25519-key"
}

func newKeyPair(t testing.TB) (crypto.PrivateKey, string) {
	t.Helper()
	privPEM, pubPEM, err := keys.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := keys.ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	return priv, pubPEM
}

// setURIs derives the actor's ids from its base and username.
func (r *RemoteActor) setURIs() {
	r.URI = r.Base + "/users/" + r.Username
	r.KeyID = r.URI + "#main-key"
	r.Inbox = r.URI + "/inbox"
	r.SharedInbox = r.Base + "/inbox"
	r.Outbox = r.URI + "/outbox"
	r.Followers = r.URI + "/followers"
	r.Following = r.URI + "/following"
}

// ActorDocument is the Person the fake remote serves at its URI.
func (r *RemoteActor) ActorDocument() []byte {
	doc := map[string]any{
		"@context":                  []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                        r.URI,
		"type":                      r.actorType(),
		"preferredUsername":         r.Username,
		"name":                      "Remote " + r.Username,
		"inbox":                     r.Inbox,
		"outbox":                    r.Outbox,
		"followers":                 r.Followers,
		"following":                 r.Following,
		"url":                       r.Base + "/@" + r.Username,
		"manuallyApprovesFollowers": false,
		"endpoints":                 map[string]any{"sharedInbox": r.SharedInbox},
		"publicKey": map[string]any{
			"id":           r.KeyID,
			"owner":        r.URI,
			"publicKeyPem": r.PublicKeyPEM,
		},
	}
	if r.Ed25519Key != nil {
		doc["assertionMethod"] = []any{map[string]any{"id": r.Ed25519KeyID, "type": "Multikey", "controller": r.URI,
			"publicKeyMultibase": keys.Ed25519Multibase(r.Ed25519Key.Public().(ed25519.PublicKey))}}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

func (r *RemoteActor) actorType() string {
	if r.Type == "" {
		return "Person"
	}
	return r.Type
}

// Sibling starts another actor on the same fake peer (same host, same
// server, its own key) with the given type ("" for Person; "Application"
// for the node's instance actor), e.g. a second person of the node that
// hosts r.
func (r *RemoteActor) Sibling(t testing.TB, username, actorType string) *RemoteActor {
	t.Helper()
	home := r.server()
	priv, pubPEM := newKeyPair(t)
	s := &RemoteActor{Username: username, Key: priv, PublicKeyPEM: pubPEM, Server: home.Server, Type: actorType,
		Host: home.Host, Base: home.Base, home: home}
	s.setURIs()
	home.Serve("/users/"+username, s.ActorDocument())
	return s
}

// server is the actor whose server and records this actor uses.
func (r *RemoteActor) server() *RemoteActor {
	if r.home != nil {
		return r.home
	}
	return r
}

// Get sends a GET signed by r (authorised fetch, as peers fetch) and reads
// the answer whole.
func (r *RemoteActor) Get(t testing.TB, rawURL string) *Response {
	t.Helper()
	return r.getSigned(t, rawURL, federation.SignRequest)
}

// GetRFC9421 is Get signed with an RFC 9421 message signature.
func (r *RemoteActor) GetRFC9421(t testing.TB, rawURL string) *Response {
	t.Helper()
	return r.getSigned(t, rawURL, federation.SignMessage)
}

func (r *RemoteActor) getSigned(t testing.TB, rawURL string, sign func(*http.Request, []byte, string, crypto.PrivateKey) error) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	if err := sign(req, nil, r.KeyID, r.Key); err != nil {
		t.Fatal(err)
	}
	resp, b := send(t, req)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// send does a request of a fake peer and reads the answer whole.
func send(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := remoteClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", req.Method, req.URL, err)
	}
	return resp, b
}

// Serve publishes doc at path (GET answers 200 with it), replacing whatever
// was there, the actor document included.
func (r *RemoteActor) Serve(path string, doc []byte) {
	if r.home != nil {
		r.home.Serve(path, doc)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.docs[path] = append([]byte(nil), doc...)
	delete(r.statuses, path)
}

// ServeStatus makes GET path answer status with an empty JSON body (e.g. 410
// for a deleted object).
func (r *RemoteActor) ServeStatus(path string, status int) {
	if r.home != nil {
		r.home.ServeStatus(path, status)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.docs, path)
	r.statuses[path] = status
}

// URL is the absolute URL of a path on the fake remote, as used in ids.
func (r *RemoteActor) URL(path string) string { return r.Base + path }

// NewID returns a fresh id on the fake remote's host, base/kind/n.
func (r *RemoteActor) NewID(kind string) string {
	return fmt.Sprintf("%s/%s/%d-%d", r.Base, kind, time.Now().UnixNano(), r.next.Add(1))
}

// Requests returns the requests received so far, oldest first (by the
// whole fake peer, for a Sibling).
func (r *RemoteActor) Requests() []*ReceivedRequest {
	if r.home != nil {
		return r.home.Requests()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*ReceivedRequest(nil), r.requests...)
}

// RequestsTo returns the received requests with this method and path.
func (r *RemoteActor) RequestsTo(method, path string) []*ReceivedRequest {
	var out []*ReceivedRequest
	for _, q := range r.Requests() {
		if q.Method == method && q.Path == path {
			out = append(out, q)
		}
	}
	return out
}

// Posts returns the activities POSTed to its inbox or shared inbox.
func (r *RemoteActor) Posts() []*ReceivedRequest {
	var out []*ReceivedRequest
	for _, q := range r.Requests() {
		if q.Method == http.MethodPost {
			out = append(out, q)
		}
	}
	return out
}

func (r *RemoteActor) serveHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 4<<20))
	q := &ReceivedRequest{Method: req.Method, Path: req.URL.Path, Host: req.Host, Header: req.Header.Clone(), Body: body,
		req: req.Clone(context.Background())}
	r.mu.Lock()
	r.requests = append(r.requests, q)
	doc, hasDoc := r.docs[req.URL.Path]
	status, hasStatus := r.statuses[req.URL.Path]
	r.mu.Unlock()

	switch req.Method {
	case http.MethodGet, http.MethodHead:
		if r.signedFetchOnly && req.URL.Path != "/.well-known/webfinger" {
			if _, err := federation.VerifyRequest(req.Context(), req, nil, keyFetcher{}, time.Now()); err != nil {
				http.Error(w, "sign the request: "+err.Error(), http.StatusUnauthorized)
				return
			}
		}
		// Without SignedFetchOnly, signed GETs are accepted unchecked.
		switch {
		case hasStatus:
			w.Header().Set("Content-Type", "application/activity+json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte("{}"))
		case hasDoc:
			w.Header().Set("Content-Type", "application/activity+json")
			_, _ = w.Write(doc)
		default:
			http.NotFound(w, req)
		}
	case http.MethodPost:
		if req.URL.Path == "/inbox" || strings.HasSuffix(req.URL.Path, "/inbox") {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// keyFetcher resolves a signer's key the way a peer does: it GETs the
// keyId's document (unsigned, as the key is public) and reads its
// publicKey.
type keyFetcher struct{}

func (keyFetcher) ResolveKey(ctx context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, keyID, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/activity+json")
	resp, err := remoteClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var doc struct {
		ID        string `json:"id"`
		PublicKey struct {
			ID           string `json:"id"`
			Owner        string `json:"owner"`
			PublicKeyPem string `json:"publicKeyPem"`
		} `json:"publicKey"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return nil, "", fmt.Errorf("key %s: %w", keyID, err)
	}
	if doc.PublicKey.ID != keyID {
		return nil, "", fmt.Errorf("key %s: document has key %q", keyID, doc.PublicKey.ID)
	}
	pub, err := keys.ParsePublicKey(doc.PublicKey.PublicKeyPem)
	return pub, doc.PublicKey.Owner, err
}

// SendOption tampers with a request sent by RemoteActor.Post.
type SendOption func(*sendConfig)

type sendConfig struct {
	keyID     string
	key       crypto.PrivateKey
	unsigned  bool
	date      *time.Time
	digest    *string
	editSig   func(string) string
	headers   [][2]string
	signBody  []byte
	signBodyS bool
	message   *federation.MessageOptions
	signFor   string
}

// RFC9421 signs with an RFC 9421 message signature shaped by opts (the
// zero value is what Archipel sends) instead of draft-cavage.
func RFC9421(opts federation.MessageOptions) SendOption {
	return func(c *sendConfig) { c.message = &opts }
}

// SignedFor signs (RFC 9421) as if the request went to rawURL: a signature
// replayed to another inbox.
func SignedFor(rawURL string) SendOption { return func(c *sendConfig) { c.signFor = rawURL } }

// Unsigned sends the request without any signature (still with a Digest).
func Unsigned() SendOption { return func(c *sendConfig) { c.unsigned = true } }

// WithKey signs with key under the actor's own key id (a wrong key).
func WithKey(key crypto.PrivateKey) SendOption { return func(c *sendConfig) { c.key = key } }

// WithKeyID signs with the actor's key but names keyID in the signature.
func WithKeyID(keyID string) SendOption { return func(c *sendConfig) { c.keyID = keyID } }

// SignedBy signs with other's key id and key: a valid signature by someone
// other than the activity's actor.
func SignedBy(other *RemoteActor) SendOption {
	return func(c *sendConfig) { c.keyID, c.key = other.KeyID, other.Key }
}

// WithDate signs (validly) with this Date instead of now.
func WithDate(t time.Time) SendOption { return func(c *sendConfig) { c.date = &t } }

// WithDigest sends and signs this Digest header value instead of the body's:
// the signature is valid, the digest is not.
func WithDigest(v string) SendOption { return func(c *sendConfig) { c.digest = &v } }

// SignedOver signs (Digest and signature) as if the body were signed, then
// sends the real body: a body changed in transit.
func SignedOver(signed []byte) SendOption {
	return func(c *sendConfig) { c.signBody, c.signBodyS = signed, true }
}

// EditSignature rewrites the Signature header after signing.
func EditSignature(edit func(string) string) SendOption {
	return func(c *sendConfig) { c.editSig = edit }
}

// CorruptSignature flips bits of the signature bytes (keeping valid base64).
func CorruptSignature() SendOption {
	return EditSignature(func(h string) string {
		const marker = `signature="`
		i := strings.LastIndex(h, marker)
		if i < 0 {
			return h
		}
		start := i + len(marker)
		end := strings.IndexByte(h[start:], '"')
		if end < 0 {
			return h
		}
		sig, err := base64.StdEncoding.DecodeString(h[start : start+end])
		if err != nil || len(sig) == 0 {
			return h
		}
		for j := range sig {
			if j%7 == 0 {
				sig[j] ^= 0x5a
			}
		}
		return h[:start] + base64.StdEncoding.EncodeToString(sig) + h[start+end:]
	})
}

// WithHeader sets a header after signing (Content-Type, a second Date…).
func WithHeader(name, value string) SendOption {
	return func(c *sendConfig) { c.headers = append(c.headers, [2]string{name, value}) }
}

var remoteClient = &http.Client{Timeout: 30 * time.Second}

// Post sends activity to inboxURL signed by r (federation.SignRequest) unless
// opts tamper with it. The response body is read whole and can be read
// again from resp.Body.
func (r *RemoteActor) Post(t testing.TB, inboxURL string, activity []byte, opts ...SendOption) *http.Response {
	t.Helper()
	c := sendConfig{keyID: r.KeyID, key: r.Key}
	for _, o := range opts {
		o(&c)
	}
	req, err := http.NewRequest(http.MethodPost, inboxURL, bytes.NewReader(activity))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	req.Header.Set("Accept", "application/activity+json")
	switch {
	case c.message != nil:
		signed, target := activity, req
		if c.signBodyS {
			signed = c.signBody
		}
		if c.signFor != "" {
			if target, err = http.NewRequest(http.MethodPost, c.signFor, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := federation.SignMessageWith(target, signed, c.keyID, c.key, *c.message); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"Signature", "Signature-Input", "Content-Digest", "Date"} {
			req.Header[h] = target.Header[h]
		}
	case c.unsigned:
		sum := sha256.Sum256(activity)
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		req.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
	case c.date == nil && c.digest == nil && !c.signBodyS:
		if err := federation.SignRequest(req, activity, c.keyID, c.key); err != nil {
			t.Fatal(err)
		}
	default:
		if err := signTampered(req, activity, c); err != nil {
			t.Fatal(err)
		}
	}
	if c.editSig != nil {
		req.Header.Set("Signature", c.editSig(req.Header.Get("Signature")))
	}
	for _, h := range c.headers {
		req.Header.Set(h[0], h[1])
	}
	req.Body = io.NopCloser(bytes.NewReader(activity))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(activity)), nil }
	req.ContentLength = int64(len(activity))
	resp, b := send(t, req)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

// signTampered signs like federation.SignRequest but with the Date, Digest
// or signed body the options give, so that the signature itself is valid
// and only the tampered part is wrong.
func signTampered(req *http.Request, body []byte, c sendConfig) error {
	now := time.Now()
	if c.date != nil {
		now = *c.date
	}
	signed := body
	if c.signBodyS {
		signed = c.signBody
	}
	sum := sha256.Sum256(signed)
	digest := "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
	if c.digest != nil {
		digest = *c.digest
	}
	req.Host = req.URL.Host
	req.Header.Set("Host", req.URL.Host)
	req.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	req.Header.Set("Digest", digest)
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256,
		[]string{httpsig.RequestTarget, "host", "date", "digest"}, httpsig.Signature, 0)
	if err != nil {
		return err
	}
	// A nil body: httpsig signs the Digest header we set instead of
	// computing one.
	return signer.SignRequest(c.key, c.keyID, req, nil)
}
