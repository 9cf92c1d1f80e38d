package federation

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/archipel-social/archipel/store"
)

// Double-knocking: a request to a peer is signed with RFC 9421 first and,
// on a 401 or 403, sent once more with draft-cavage. What worked is
// remembered per host (PostgreSQL, domains.signature_scheme, with a copy
// in memory), so a host costs two requests once, not at every delivery.
// Fedify, Mastodon 4.5 and Bridgy Fed do the same.

// schemeRecheckAfter is how long a host remembered as cavage-only is sent
// cavage first; then RFC 9421 is tried again, peers being upgraded.
const schemeRecheckAfter = 7 * 24 * time.Hour

// hostSignaturesFor is how long the memory copy of a host's row is used
// without reading it again (another process of the node may learn it).
const hostSignaturesFor = 10 * time.Minute

type cachedHostSignatures struct {
	store.HostSignatures
	at time.Time
}

// hostSignatureCache keeps what each host accepts, in front of PostgreSQL.
type hostSignatureCache struct {
	mu    sync.Mutex
	hosts map[string]cachedHostSignatures
}

func (c *hostSignatureCache) get(host string, now time.Time) (store.HostSignatures, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.hosts[host]
	if !ok || now.Sub(h.at) > hostSignaturesFor {
		return store.HostSignatures{}, false
	}
	return h.HostSignatures, true
}

func (c *hostSignatureCache) put(host string, h store.HostSignatures, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hosts == nil || len(c.hosts) >= cacheLimit {
		c.hosts = make(map[string]cachedHostSignatures)
	}
	c.hosts[host] = cachedHostSignatures{HostSignatures: h, at: now}
}

// HostSignatures is what this node knows a host accepts of its signatures.
func (f *Federator) HostSignatures(ctx context.Context, host string) store.HostSignatures {
	host = store.NormalizeHost(host)
	now := time.Now()
	if h, ok := f.hostSigs.get(host, now); ok {
		return h
	}
	h, err := f.Store.HostSignatures(ctx, host)
	if err != nil {
		// Not knowing costs at most one more request: never fail for it.
		f.Log.Warn("read host signatures", "host", host, "err", err)
		return store.HostSignatures{}
	}
	f.hostSigs.put(host, h, now)
	return h
}

// rememberScheme records that host accepted scheme, when that is news.
func (f *Federator) rememberScheme(ctx context.Context, host, scheme string) {
	h := f.HostSignatures(ctx, host)
	if h.Scheme == scheme && h.SchemeAt != nil && time.Since(*h.SchemeAt) < schemeRecheckAfter {
		return
	}
	if err := f.Store.SetHostSignatureScheme(ctx, host, scheme); err != nil {
		f.Log.Warn("remember signature scheme", "host", host, "err", err)
		return
	}
	now := time.Now()
	h.Scheme, h.SchemeAt = scheme, &now
	f.hostSigs.put(store.NormalizeHost(host), h, now)
	f.Log.Debug("signature scheme learnt", "host", host, "scheme", scheme)
}

// rememberEd25519 records that host publishes Ed25519 keys.
func (f *Federator) rememberEd25519(ctx context.Context, host string) {
	h := f.HostSignatures(ctx, host)
	if h.Ed25519 {
		return
	}
	if err := f.Store.SetHostEd25519(ctx, host); err != nil {
		f.Log.Warn("remember ed25519 host", "host", host, "err", err)
		return
	}
	h.Ed25519 = true
	f.hostSigs.put(store.NormalizeHost(host), h, time.Now())
}

// firstScheme is the scheme a request to a host is signed with first.
func firstScheme(h store.HostSignatures, now time.Time) string {
	if h.Scheme == SchemeCavage && h.SchemeAt != nil && now.Sub(*h.SchemeAt) < schemeRecheckAfter {
		return SchemeCavage
	}
	return SchemeRFC9421
}

// refusesSignature tells whether a status may mean "not this signature".
func refusesSignature(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden
}

// signedDo sends a request signed by s, double-knocking: the host's known
// scheme (RFC 9421 when none is known) first, the other one once on a 401
// or 403. The scheme of a 2xx answer is remembered (see below for GETs). header is copied onto
// each attempt; body is nil for a GET.
func (f *Federator) signedDo(ctx context.Context, client *http.Client, method, rawURL string, header http.Header, body []byte, s *Signer) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	host := store.NormalizeHost(u.Host)
	known := f.HostSignatures(ctx, host)
	scheme := firstScheme(known, time.Now())
	resp, err := f.sendSigned(ctx, client, method, rawURL, header, body, s, scheme, known.Ed25519)
	if err != nil {
		return nil, err
	}
	fellBack := refusesSignature(resp.StatusCode)
	if fellBack {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		scheme = otherScheme(scheme)
		if resp, err = f.sendSigned(ctx, client, method, rawURL, header, body, s, scheme, known.Ed25519); err != nil {
			return nil, err
		}
	}
	// An inbox answers 2xx only to a signature it verified; a public
	// document is served whatever the signature, so a GET teaches
	// something only when the other scheme was refused first.
	if resp.StatusCode >= 200 && resp.StatusCode < 300 && (method != http.MethodGet || fellBack) {
		f.rememberScheme(ctx, host, scheme)
	}
	return resp, nil
}

func otherScheme(s string) string {
	if s == SchemeCavage {
		return SchemeRFC9421
	}
	return SchemeCavage
}

// sendSigned makes one attempt. RFC 9421 is signed with the actor's Ed25519
// key where the host publishes Ed25519 keys itself, RSA elsewhere; cavage
// always with RSA, which every peer verifies.
func (f *Federator) sendSigned(ctx context.Context, client *http.Client, method, rawURL string, header http.Header, body []byte, s *Signer, scheme string, ed25519Host bool) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = slices.Clone(v)
	}
	if scheme == SchemeRFC9421 {
		keyID, key := s.messageKey(ed25519Host)
		err = SignMessage(req, body, keyID, key)
	} else {
		err = SignRequest(req, body, s.KeyID, s.Key)
	}
	if err != nil {
		return nil, err
	}
	return client.Do(req)
}
