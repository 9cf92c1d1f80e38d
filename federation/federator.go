package federation

import (
	"github.com/archipel-social/archipel/keys"

	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// Freshness of cached remote actors: older copies are fetched again when
// used, and a failing key is refetched at most this often (key rotation
// without letting a peer make us fetch in a loop).
const (
	ActorFreshness   = 24 * time.Hour
	KeyRefetchMinAge = time.Minute
)

// MaxDocumentBytes bounds actor and object documents fetched from peers.
const MaxDocumentBytes = 1 << 20

// acceptActivity is what we ask peers for.
const acceptActivity = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// Federator talks to peer nodes on behalf of this one.
type Federator struct {
	Store  *store.Store
	Links  ap.Links
	Client *http.Client
	// Files fetches documents: no size limit of its own (callers stream to
	// storage with theirs) and a longer timeout.
	Files *http.Client
	Log   *slog.Logger
	// Mode is the configured federation mode; a stored setting overrides it.
	Mode string
	// AllowHTTP lets WebFinger fall back to plain http (local federations).
	AllowHTTP bool

	// Schemes are the signature schemes accepted on incoming requests
	// (ARCHIPEL_SIGNATURE_SCHEMES); nil accepts both.
	Schemes []string

	keys     keyCache
	signers  signerCache
	hostSigs hostSignatureCache

	instanceOnce sync.Once
	instance     *Signer
	instanceErr  error
}

// Signer is an actor's keys, ready to sign requests: Key is the RSA key of
// KeyID (publicKey), Ed25519 the key of Ed25519KeyID (assertionMethod),
// nil for an actor that has none yet.
type Signer struct {
	KeyID        string
	Key          crypto.PrivateKey
	Ed25519KeyID string
	Ed25519      ed25519.PrivateKey
}

// messageKey is the key an RFC 9421 signature is made with: Ed25519 for a
// host that publishes Ed25519 keys itself, RSA elsewhere.
func (s *Signer) messageKey(ed25519Host bool) (string, crypto.PrivateKey) {
	if ed25519Host && s.Ed25519 != nil {
		return s.Ed25519KeyID, s.Ed25519
	}
	return s.KeyID, s.Key
}

// SignerFor returns the key of a local actor.
func SignerFor(a *store.Actor) (*Signer, error) {
	if !a.Local || a.PrivateKeyPEM == "" {
		return nil, fmt.Errorf("actor %s has no private key here", a.URI)
	}
	return parseSigner(signerKeys{a.PublicKeyID, a.PrivateKeyPEM, a.Ed25519KeyID, a.Ed25519PrivatePEM})
}

// signerKeys are an actor's private keys as stored.
type signerKeys struct {
	keyID, pem, ed25519KeyID, ed25519PEM string
}

func parseSigner(sk signerKeys) (*Signer, error) {
	k, err := keys.ParsePrivateKey(sk.pem)
	if err != nil {
		return nil, err
	}
	s := &Signer{KeyID: sk.keyID, Key: k}
	if sk.ed25519KeyID != "" {
		ek, err := keys.ParsePrivateKey(sk.ed25519PEM)
		if err != nil {
			return nil, err
		}
		ed, ok := ek.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key %s is a %T, not Ed25519", sk.ed25519KeyID, ek)
		}
		s.Ed25519KeyID, s.Ed25519 = sk.ed25519KeyID, ed
	}
	return s, nil
}

// InstanceSigner is the node's own key, used for fetches.
func (f *Federator) InstanceSigner(ctx context.Context) (*Signer, error) {
	f.instanceOnce.Do(func() {
		a, err := f.Store.ActorByURI(ctx, f.Links.InstanceActor())
		if err != nil {
			f.instanceErr = err
			return
		}
		f.instance, f.instanceErr = SignerFor(a)
	})
	return f.instance, f.instanceErr
}

// VerifyRequest checks a request's signature (package VerifyRequest) with
// this node's keys, refusing the schemes the node is configured not to
// accept.
func (f *Federator) VerifyRequest(ctx context.Context, r *http.Request, body []byte, now time.Time) (Verified, error) {
	scheme := SchemeCavage
	if hasMessageSignature(r.Header) {
		scheme = SchemeRFC9421
	}
	if f.Schemes != nil && !slices.Contains(f.Schemes, scheme) {
		return Verified{}, sigErr(ReasonSchemeRefused, "this node does not accept %s signatures", scheme)
	}
	return VerifyRequest(ctx, r, body, f, now)
}

// ErrBlocked is returned for a host the federation policy refuses.
var ErrBlocked = errors.New("federation with this host is not allowed")

// Allowed applies the federation policy to a host: blocked hosts never,
// and in allowlist mode only listed hosts.
func (f *Federator) Allowed(ctx context.Context, host string) error {
	_, err := f.HostState(ctx, host)
	return err
}

// HostState reads what the node knows of a host and applies the federation
// policy to it (ErrBlocked), in one round trip.
func (f *Federator) HostState(ctx context.Context, host string) (store.HostState, error) {
	host = store.NormalizeHost(host)
	if host == store.NormalizeHost(f.Links.Host()) {
		return store.HostState{}, nil
	}
	st, err := f.Store.HostState(ctx, host)
	if err != nil {
		return st, err
	}
	switch {
	case st.Policy == store.PolicyBlock:
		return st, ErrBlocked
	case st.Policy == store.PolicyAllow:
		return st, nil
	case st.ParentBlocked:
		// A block of a domain covers its subdomains.
		return st, ErrBlocked
	}
	mode := st.Mode
	if mode == "" {
		mode = f.Mode
	}
	if mode == "allowlist" {
		return st, ErrBlocked
	}
	return st, nil
}

// CurrentMode is the federation mode in force.
func (f *Federator) CurrentMode(ctx context.Context) (string, error) {
	mode, ok, err := f.Store.Setting(ctx, store.SettingFederationMode)
	if err != nil {
		return "", err
	}
	if !ok {
		mode = f.Mode
	}
	return mode, nil
}

// FetchError is a peer's refusal to give a document.
type FetchError struct {
	URL    string
	Status int
}

func (e *FetchError) Error() string { return fmt.Sprintf("GET %s: status %d", e.URL, e.Status) }

// IsGone tells whether err says the document was deleted (410) or never
// existed (404).
func IsGone(err error) bool {
	var fe *FetchError
	return errors.As(err, &fe) && (fe.Status == http.StatusGone || fe.Status == http.StatusNotFound)
}

// Fetch GETs an ActivityPub document, signed by the instance actor
// (authorised fetch), and checks it is JSON with an id on the host it was
// fetched from.
func (f *Federator) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("fetch %q: not an http(s) URL", rawURL)
	}
	if err := f.Allowed(ctx, u.Host); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	signer, err := f.InstanceSigner(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := f.signedDo(ctx, f.Client, http.MethodGet, rawURL, http.Header{"Accept": {acceptActivity}}, nil, signer)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, &FetchError{URL: rawURL, Status: resp.StatusCode}
	}
	body, err := ReadLimited(resp.Body, MaxDocumentBytes)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	// Keys are read exactly as go-ap reads them ("id", not "ID"): two
	// readers must not see two different documents.
	var head map[string]json.RawMessage
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, fmt.Errorf("fetch %s: not JSON: %w", rawURL, err)
	}
	var id string
	_ = json.Unmarshal(head["id"], &id)
	// A document is trusted only from its own origin.
	if u, err := url.Parse(id); err != nil || store.NormalizeHost(u.Host) != store.NormalizeHost(resp.Request.URL.Host) {
		return nil, fmt.Errorf("fetch %s: document id %q is not on %s", rawURL, id, resp.Request.URL.Host)
	}
	return body, nil
}

// Actor returns a remote actor, from the cache when fresh enough or fetched
// from its origin (refresh forces a fetch). Local actors come from the store.
func (f *Federator) Actor(ctx context.Context, uri string, refresh bool) (*store.Actor, error) {
	cached, err := f.Store.ActorByURI(ctx, uri)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if cached != nil && cached.DeletedAt != nil && !refresh {
		// The account deleted itself: gone, like its origin says.
		return nil, &FetchError{URL: uri, Status: http.StatusGone}
	}
	if cached != nil && (cached.Local || (!refresh && cached.FetchedAt != nil && time.Since(*cached.FetchedAt) < ActorFreshness)) {
		return cached, nil
	}
	if cached == nil && f.Links.IsLocal(uri) {
		return nil, store.ErrNotFound
	}
	body, err := f.Fetch(ctx, uri)
	if err != nil {
		if cached != nil && !IsGone(err) {
			f.Log.Debug("actor refresh failed, using cached copy", "uri", uri, "err", err)
			return cached, nil
		}
		return nil, err
	}
	return f.storeActor(ctx, uri, body)
}

// storeActor parses a fetched actor document and caches it with its skills.
func (f *Federator) storeActor(ctx context.Context, fetchedURI string, body []byte) (*store.Actor, error) {
	parsed, err := ap.ParseActor(body)
	if err != nil {
		return nil, err
	}
	if parsed.URI != fetchedURI {
		// Only the document at its own id is authoritative.
		return nil, fmt.Errorf("actor %s: document has id %s", fetchedURI, parsed.URI)
	}
	skills := parsed.Skills
	var out *store.Actor
	err = f.Store.Tx(ctx, func(tx *store.Store) error {
		a, err := tx.UpsertRemoteActor(ctx, parsed)
		if err != nil {
			return err
		}
		if err := tx.SetSkills(ctx, a.ID, skills); err != nil {
			return err
		}
		if a.Type == store.TypeGroup {
			rules := ap.ParseGroupRules(body)
			if err := tx.UpsertRemoteGroup(ctx, &store.Group{Actor: a, Visibility: rules.Visibility,
				JoinPolicy: rules.JoinPolicy, StateOnly: rules.StateOnly, MembersURI: rules.Members}); err != nil {
				return err
			}
		}
		out = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Skills = skills
	f.keys.forgetOwner(out.URI)
	if out.Ed25519KeyID != "" {
		// Its node publishes Ed25519 keys: sign for it with ours.
		f.rememberEd25519(ctx, out.Host)
	}
	return out, nil
}

// ResolveKey finds the public key of a signature (federation.KeyResolver):
// from memory, from the database, or by fetching the key's document (the
// actor, or a key object whose owner is then fetched). The key id is the
// actor's publicKey (RSA) or its Ed25519 Multikey (FEP-521a).
func (f *Federator) ResolveKey(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	now := time.Now()
	if !refresh {
		if k, ok := f.keys.get(keyID, now); ok {
			return k.pub, k.owner, nil
		}
	}
	k, err := f.Store.ActorKeyByID(ctx, keyID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, "", err
	}
	if k != nil && k.Local {
		refresh = false
	}
	if k == nil || (refresh && (k.FetchedAt == nil || now.Sub(*k.FetchedAt) > KeyRefetchMinAge)) {
		actorURI := strings.SplitN(keyID, "#", 2)[0]
		if k != nil {
			actorURI = k.URI
		}
		a, err := f.Actor(ctx, actorURI, true)
		if err != nil {
			owner, ownerErr := f.keyOwner(ctx, keyID)
			if ownerErr != nil {
				return nil, "", fmt.Errorf("key %s: %w", keyID, err)
			}
			if a, err = f.Actor(ctx, owner, true); err != nil {
				return nil, "", fmt.Errorf("key %s: %w", keyID, err)
			}
		}
		switch keyID {
		case a.PublicKeyID:
			k = &store.ActorKey{URI: a.URI, Local: a.Local, PublicKeyPEM: a.PublicKeyPEM, FetchedAt: a.FetchedAt}
		case a.Ed25519KeyID:
			k = &store.ActorKey{URI: a.URI, Local: a.Local, Ed25519: a.Ed25519PublicKey, FetchedAt: a.FetchedAt}
		default:
			return nil, "", fmt.Errorf("key %s is not a key of %s", keyID, a.URI)
		}
	}
	var pub crypto.PublicKey
	if k.Ed25519 != "" {
		pub, err = keys.ParseEd25519Multibase(k.Ed25519)
	} else {
		pub, err = keys.ParsePublicKey(k.PublicKeyPEM)
	}
	if err != nil {
		return nil, "", err
	}
	f.keys.put(keyID, cachedKey{pub: pub, owner: k.URI, at: now})
	return pub, k.URI, nil
}

// ForgetKeys drops the cached keys of an actor whose account is gone.
func (f *Federator) ForgetKeys(owner string) { f.keys.forgetOwner(owner) }

// keyOwner reads a standalone key document (GoToSocial serves one at the key
// id) and returns its owner.
func (f *Federator) keyOwner(ctx context.Context, keyID string) (string, error) {
	body, err := f.Fetch(ctx, keyID)
	if err != nil {
		return "", err
	}
	var doc struct {
		Owner     string `json:"owner"`
		PublicKey struct {
			Owner string `json:"owner"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", err
	}
	if doc.Owner == "" {
		doc.Owner = doc.PublicKey.Owner
	}
	if doc.Owner == "" {
		return "", errors.New("key document without owner")
	}
	return doc.Owner, nil
}

// ResolveHandle finds the actor of user@host, local or remote (WebFinger).
func (f *Federator) ResolveHandle(ctx context.Context, handle string) (*store.Actor, error) {
	handle = strings.TrimPrefix(strings.TrimSpace(handle), "@")
	handle = strings.TrimPrefix(handle, "acct:")
	name, host, ok := strings.Cut(handle, "@")
	if !ok || name == "" || host == "" || strings.ContainsAny(host, "/?#@ ") {
		return nil, fmt.Errorf("%q is not a handle such as name@node.example", handle)
	}
	host = strings.ToLower(host)
	if host == f.Links.Host() {
		return f.Store.LocalActorByUsername(ctx, name)
	}
	if a, err := f.Store.ActorByHandle(ctx, name, host); err == nil && a.FetchedAt != nil && time.Since(*a.FetchedAt) < ActorFreshness {
		return a, nil
	}
	uri, err := f.WebFinger(ctx, name+"@"+host)
	if err != nil {
		return nil, err
	}
	return f.Actor(ctx, uri, true)
}

// ErrNoSuchAccount is returned when WebFinger does not know a handle.
var ErrNoSuchAccount = errors.New("no such account on that node")

// ResolveGroupHandle finds the group of name@host. A Lemmy instance may
// have a user and a community of one name, and list both in WebFinger: the
// group is chosen.
func (f *Federator) ResolveGroupHandle(ctx context.Context, handle string) (*store.Actor, error) {
	handle = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(handle), "!"), "@")
	name, host, ok := strings.Cut(handle, "@")
	if !ok || name == "" || host == "" || strings.ContainsAny(host, "/?#@ ") {
		return nil, fmt.Errorf("%q is not a handle such as name@node.example", handle)
	}
	host = strings.ToLower(host)
	if host == f.Links.Host() {
		a, err := f.Store.LocalActorByUsername(ctx, name)
		if err == nil && a.Type != store.TypeGroup {
			err = store.ErrNotFound
		}
		return a, err
	}
	if a, err := f.Store.ActorByHandleOfType(ctx, name, host, store.TypeGroup); err == nil && a.FetchedAt != nil && time.Since(*a.FetchedAt) < ActorFreshness {
		return a, nil
	}
	links, err := f.webFingerLinks(ctx, name+"@"+host)
	if err != nil {
		return nil, err
	}
	for _, href := range links {
		if a, err := f.Actor(ctx, href, true); err == nil && a.Type == store.TypeGroup {
			return a, nil
		}
	}
	return nil, ErrNoSuchAccount
}

// WebFinger looks up acct:handle and returns the ActivityPub actor URI.
func (f *Federator) WebFinger(ctx context.Context, handle string) (string, error) {
	links, err := f.webFingerLinks(ctx, handle)
	if err != nil {
		return "", err
	}
	return links[0], nil
}

// webFingerLinks looks up acct:handle and returns the ActivityPub actor
// URIs it lists, the ones Lemmy marks as communities (a type property)
// last.
func (f *Federator) webFingerLinks(ctx context.Context, handle string) ([]string, error) {
	_, host, _ := strings.Cut(handle, "@")
	if err := f.Allowed(ctx, host); err != nil {
		return nil, err
	}
	schemes := []string{"https"}
	if f.AllowHTTP {
		schemes = append(schemes, "http")
	}
	var lastErr error
	for _, scheme := range schemes {
		u := scheme + "://" + host + "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+handle)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/jrd+json, application/json")
		resp, err := f.Client.Do(req)
		if err != nil {
			lastErr = err
			continue
		}
		body, err := ReadLimited(resp.Body, 64<<10)
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
			return nil, ErrNoSuchAccount
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			lastErr = fmt.Errorf("webfinger %s: status %d", host, resp.StatusCode)
			continue
		}
		var jrd struct {
			Links []struct {
				Rel, Type, Href string
				Properties      map[string]any
			}
		}
		if err := json.Unmarshal(body, &jrd); err != nil {
			return nil, fmt.Errorf("webfinger %s: %w", host, err)
		}
		var people, groups []string
		for _, l := range jrd.Links {
			if l.Rel == "self" && (strings.HasPrefix(l.Type, "application/activity+json") || strings.HasPrefix(l.Type, "application/ld+json")) {
				if l.Properties["https://www.w3.org/ns/activitystreams#type"] == "Group" {
					groups = append(groups, l.Href)
				} else {
					people = append(people, l.Href)
				}
			}
		}
		if links := append(people, groups...); len(links) > 0 {
			return links, nil
		}
		return nil, fmt.Errorf("webfinger %s: no ActivityPub link", host)
	}
	return nil, lastErr
}

// Post sends a signed activity to an inbox and returns the HTTP status.
func (f *Federator) Post(ctx context.Context, inbox string, body []byte, s *Signer) (int, http.Header, error) {
	resp, err := f.signedDo(ctx, f.Client, http.MethodPost, inbox, http.Header{"Content-Type": {ap.ContentType}}, body, s)
	if err != nil {
		return 0, nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

// FetchFile GETs a document's bytes from a peer, signed by s (the member who
// asks, or the group's node), and returns the response to stream.
func (f *Federator) FetchFile(ctx context.Context, rawURL string, s *Signer) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("fetch file %q: not an http(s) URL", rawURL)
	}
	if err := f.Allowed(ctx, u.Host); err != nil {
		return nil, err
	}
	client := f.Files
	if client == nil {
		client = f.Client
	}
	resp, err := f.signedDo(ctx, client, http.MethodGet, rawURL, nil, nil, s)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &FetchError{URL: rawURL, Status: resp.StatusCode}
	}
	return resp, nil
}
