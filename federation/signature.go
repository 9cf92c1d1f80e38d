package federation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/httpsig"
)

// MaxClockSkew is how far a signed Date (or created) may be from our clock,
// either way (DESIGN §2.5). Peers retry failed deliveries for days, so a
// tighter window would refuse legitimate retries from slow queues.
const MaxClockSkew = 12 * time.Hour

// A signed GET is made and sent at once (Mastodon and GoToSocial sign each
// fetch when they make it; nothing queues a GET for hours), so its Date is
// seconds old: 1 h past covers clock drift (Mastodon's CLOCK_SKEW_MARGIN),
// 5 min ahead a clock somewhat fast. A captured GET, which carries no body
// to tamper with but can be replayed to read a member's view, is then good
// for an hour, not for the 12 h POSTs need for their retries.
const (
	MaxGetAge   = time.Hour
	MaxGetAhead = 5 * time.Minute
)

// MaxSignatureHeaderBytes bounds the Signature header we agree to parse.
// Real headers are under 1 KiB; anything near this is hostile.
const MaxSignatureHeaderBytes = 8 << 10

// maxSignedHeaders bounds the headers="…" list; real peers sign 4 or 5.
const maxSignedHeaders = 32

// Reasons carried by SignatureError, stable for metrics labels and logs.
const (
	ReasonMissingSignature   = "missing_signature"
	ReasonMalformedSignature = "malformed_signature"
	ReasonMissingHeaders     = "missing_headers"
	ReasonDigestMismatch     = "digest_mismatch"
	ReasonStaleDate          = "stale_date"
	ReasonUnknownKey         = "unknown_key"
	ReasonBadSignature       = "bad_signature"
	ReasonSchemeRefused      = "scheme_refused"
)

// Pseudo-headers of draft-cavage HTTP signatures.
const (
	headerRequestTarget = "(request-target)"
	headerCreated       = "(created)"
	headerExpires       = "(expires)"
)

// Signature algorithm names as they appear in the algorithm parameter.
const (
	algHS2019    = "hs2019"
	algRSASHA256 = "rsa-sha256"
	algEd25519   = "ed25519"
)

// SignatureError is returned by VerifyRequest. Reason is one of the Reason*
// constants, so callers can pick an HTTP status and a metrics label.
type SignatureError struct {
	Reason string
	Err    error
}

func (e *SignatureError) Error() string {
	if e.Err == nil {
		return "http signature: " + e.Reason
	}
	return "http signature: " + e.Reason + ": " + e.Err.Error()
}

func (e *SignatureError) Unwrap() error { return e.Err }

func sigErr(reason string, format string, args ...any) *SignatureError {
	return &SignatureError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// KeyResolver finds the public key named by a signature's keyId.
//
// With refresh=false it may answer from a cache. VerifyRequest calls it once
// more with refresh=true when the cached key does not verify, so that a key
// rotated by its owner is refetched from its origin (at most once per request;
// rate-limiting refetches per host is the resolver's job).
type KeyResolver interface {
	ResolveKey(ctx context.Context, keyID string, refresh bool) (pub crypto.PublicKey, owner string, err error)
}

// Verified identifies who signed a request. Owner is the actor URI that owns
// the key; callers must check it against the activity's actor.
type Verified struct {
	KeyID string
	Owner string
	// Scheme is SchemeRFC9421 or SchemeCavage, whichever the request used.
	Scheme string
}

// SignRequest signs an outgoing request with draft-cavage HTTP signatures,
// as Mastodon expects: (request-target) host date, plus digest when body is
// not nil (POST). It sets Date, Host, Digest and Signature, and when body is
// not nil also Body, GetBody and ContentLength, so the request is ready for
// client.Do; body must not change afterwards. Signing again (a retry)
// replaces the previous signature.
func SignRequest(req *http.Request, body []byte, keyID string, key crypto.PrivateKey) error {
	return signRequestAt(req, body, keyID, key, time.Now())
}

func signRequestAt(req *http.Request, body []byte, keyID string, key crypto.PrivateKey, now time.Time) error {
	if req.URL == nil {
		return errors.New("sign request: no URL")
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if keyID == "" || strings.ContainsAny(keyID, "\"\\\r\n") {
		return fmt.Errorf("sign request: invalid key id %q", keyID)
	}
	var alg httpsig.Algorithm
	switch key.(type) {
	case *rsa.PrivateKey:
		alg = httpsig.RSA_SHA256
	case ed25519.PrivateKey:
		alg = httpsig.ED25519
	default:
		return fmt.Errorf("sign request: unsupported key type %T", key)
	}
	headers := []string{httpsig.RequestTarget, "host", "date"}
	if body != nil {
		headers = append(headers, "digest")
	}
	// A signer holds hash state and is not goroutine-safe: one per call.
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{alg}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}

	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if host == "" {
		return errors.New("sign request: no host")
	}
	// Go's client sends req.Host and ignores a Host entry in the header
	// map, but httpsig reads the map: keep both the same.
	req.Host = host
	req.Header.Set("Host", host)
	req.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	req.Header.Del("Digest") // httpsig refuses to overwrite it
	req.Header.Del("Signature")

	if err := signer.SignRequest(key, keyID, requestForSigning(req), body); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	if alg == httpsig.RSA_SHA256 {
		// httpsig always writes hs2019, which PeerTube and older servers
		// refuse; keyID holds no quote, so this pattern only matches the
		// parameter itself.
		sig := req.Header.Get("Signature")
		req.Header.Set("Signature", strings.Replace(sig, `,algorithm="hs2019",`, `,algorithm="rsa-sha256",`, 1))
	}

	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	return nil
}

// requestForSigning returns a shallow copy of r (sharing its header map)
// whose URL.Path is the path as sent on the wire. httpsig builds
// (request-target) from URL.Path, which is the decoded form; peers sign and
// verify the raw one (e.g. %40 or %2F in a path).
func requestForSigning(r *http.Request) *http.Request {
	u := *r.URL
	u.Path = u.EscapedPath()
	u.RawPath = ""
	if u.Path == "" {
		u.Path = "/"
	}
	c := *r
	c.URL = &u
	return &c
}

// VerifyRequest checks the HTTP signature, RFC 9421 when the request has
// Signature-Input and draft-cavage otherwise, of an incoming request whose body
// has already been read into body (nil or empty for GET). It enforces what
// httpsig leaves to the caller: the covered headers, the Digest of the body
// and the age of Date/created. A key that does not verify is refetched once
// (key rotation). now is the clock Date is checked against (time.Now() in
// production). Errors are *SignatureError.
func VerifyRequest(ctx context.Context, r *http.Request, body []byte, keys KeyResolver, now time.Time) (Verified, error) {
	if hasMessageSignature(r.Header) {
		v, err := verifyMessageRequest(ctx, r, body, keys, now)
		v.Scheme = SchemeRFC9421
		return v, err
	}
	v, err := verifyCavageRequest(ctx, r, body, keys, now)
	v.Scheme = SchemeCavage
	return v, err
}

// needsDigest tells whether a request's signature must cover a digest of
// its body: always on a body, and on every method that carries one.
func needsDigest(r *http.Request, body []byte) bool {
	return len(body) > 0 || (r.Method != http.MethodGet && r.Method != http.MethodHead)
}

// timeWindow is how old and how far ahead a signature's time may be, for
// both schemes: 12 h either way for POSTs that peers retry, less for GETs.
func timeWindow(method string) (past, ahead time.Duration) {
	if method == http.MethodGet || method == http.MethodHead {
		return MaxGetAge, MaxGetAhead
	}
	return MaxClockSkew, MaxClockSkew
}

// verifyWithKeyOf resolves keyID and runs verify with it, refetching the
// key once when the cached one does not verify (rotation). Both schemes go
// through it, so the key rules are one.
func verifyWithKeyOf(ctx context.Context, keys KeyResolver, keyID string, verify func(crypto.PublicKey) error) (Verified, error) {
	pub, owner, err := keys.ResolveKey(ctx, keyID, false)
	if err != nil {
		return Verified{}, &SignatureError{Reason: ReasonUnknownKey, Err: err}
	}
	firstErr := verify(pub)
	if firstErr == nil {
		return Verified{KeyID: keyID, Owner: owner}, nil
	}
	pub, owner, err = keys.ResolveKey(ctx, keyID, true)
	if err != nil {
		return Verified{}, &SignatureError{Reason: ReasonUnknownKey, Err: fmt.Errorf("refetch after %v: %w", firstErr, err)}
	}
	if err := verify(pub); err != nil {
		return Verified{}, &SignatureError{Reason: ReasonBadSignature, Err: err}
	}
	return Verified{KeyID: keyID, Owner: owner}, nil
}

func verifyCavageRequest(ctx context.Context, r *http.Request, body []byte, keys KeyResolver, now time.Time) (Verified, error) {
	raw, err := signatureHeader(r.Header)
	if err != nil {
		return Verified{}, err
	}
	params, err := ParseSignatureHeader(raw)
	if err != nil {
		return Verified{}, &SignatureError{Reason: ReasonMalformedSignature, Err: err}
	}
	alg := strings.ToLower(params.Algorithm)
	switch alg {
	case "", algHS2019, algRSASHA256, algEd25519:
	default:
		return Verified{}, sigErr(ReasonMalformedSignature, "unsupported algorithm %q", params.Algorithm)
	}
	// Work on a copy: the handler still owns r.Header.
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if _, ok := h["Host"]; !ok && r.Host != "" {
		h["Host"] = []string{r.Host}
	}
	if err := checkCoveredHeaders(params, h, needsDigest(r, body)); err != nil {
		return Verified{}, err
	}
	if params.has("digest") {
		if err := checkDigest(h.Values("Digest"), body); err != nil {
			return Verified{}, err
		}
	}
	past, ahead := timeWindow(r.Method)
	if err := checkTimes(params, h, now, past, ahead); err != nil {
		return Verified{}, err
	}
	// httpsig parses the header again with a naive comma split. Hand it the
	// parameters we checked, re-serialised, so both see the same headers
	// list; the keyId is resolved by us and does not matter to it.
	canon := params
	canon.KeyID = "k"
	h.Del("Authorization")
	h.Set("Signature", canon.String())
	vr := requestForSigning(r)
	vr.Header = h
	v, err := httpsig.NewVerifier(vr)
	if err != nil {
		// Our own checks passed, so this is httpsig's created/expires
		// check against its own 10 s skew.
		return Verified{}, &SignatureError{Reason: ReasonStaleDate, Err: err}
	}
	return verifyWithKeyOf(ctx, keys, params.KeyID, func(pub crypto.PublicKey) error { return verifyWithKey(v, pub, alg) })
}

// signatureHeader finds the signature in Signature or, as some peers send
// it, in Authorization: Signature ….
func signatureHeader(h http.Header) (string, error) {
	if vs := h.Values("Signature"); len(vs) > 0 {
		if len(vs) > 1 {
			return "", sigErr(ReasonMalformedSignature, "%d signature headers", len(vs))
		}
		return vs[0], nil
	}
	for _, a := range h.Values("Authorization") {
		scheme, rest, ok := strings.Cut(a, " ")
		if ok && strings.EqualFold(scheme, "Signature") {
			return rest, nil
		}
	}
	return "", &SignatureError{Reason: ReasonMissingSignature, Err: errors.New("no signature header")}
}

func checkCoveredHeaders(p SignatureParams, h http.Header, needDigest bool) error {
	var missing []string
	if !p.has(headerRequestTarget) {
		missing = append(missing, headerRequestTarget)
	}
	if !p.has("host") {
		missing = append(missing, "host")
	}
	if !p.has("date") && !p.has(headerCreated) {
		missing = append(missing, "date")
	}
	if needDigest && !p.has("digest") {
		missing = append(missing, "digest")
	}
	if len(missing) > 0 {
		return sigErr(ReasonMissingHeaders, "signature does not cover %s", strings.Join(missing, ", "))
	}
	for _, name := range p.Headers {
		switch name {
		case headerRequestTarget:
		case headerCreated:
			if p.Created == 0 {
				return sigErr(ReasonMalformedSignature, "(created) signed without created parameter")
			}
		case headerExpires:
			if p.Expires == 0 {
				return sigErr(ReasonMalformedSignature, "(expires) signed without expires parameter")
			}
		default:
			if _, ok := h[textproto.CanonicalMIMEHeaderKey(name)]; !ok {
				return sigErr(ReasonMissingHeaders, "signed header %q absent from request", name)
			}
		}
	}
	return nil
}

// checkDigest requires a SHA-256 entry in Digest and every SHA-256 entry to
// match the body; other algorithms are ignored.
func checkDigest(values []string, body []byte) error {
	sum := sha256.Sum256(body)
	found := false
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			alg, b64, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(alg), "SHA-256") {
				continue
			}
			found = true
			got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
			if err != nil || !bytes.Equal(got, sum[:]) {
				return sigErr(ReasonDigestMismatch, "digest SHA-256 does not match the body")
			}
		}
	}
	if !found {
		return sigErr(ReasonDigestMismatch, "digest has no SHA-256 value")
	}
	return nil
}

// checkTimes checks the signed Date and created against now: at most past
// old, at most ahead in the future.
func checkTimes(p SignatureParams, h http.Header, now time.Time, past, ahead time.Duration) error {
	if p.has("date") {
		dates := h.Values("Date")
		if len(dates) != 1 {
			return sigErr(ReasonMalformedSignature, "%d date headers", len(dates))
		}
		t, err := http.ParseTime(dates[0])
		if err != nil {
			return sigErr(ReasonMalformedSignature, "bad date header: %v", err)
		}
		if err := withinSkew(t, now, past, ahead); err != nil {
			return &SignatureError{Reason: ReasonStaleDate, Err: fmt.Errorf("date header: %w", err)}
		}
	}
	if p.Created != 0 {
		if err := withinSkew(time.Unix(p.Created, 0), now, past, ahead); err != nil {
			return &SignatureError{Reason: ReasonStaleDate, Err: fmt.Errorf("created: %w", err)}
		}
	}
	if p.Expires != 0 && now.After(time.Unix(p.Expires, 0)) {
		return sigErr(ReasonStaleDate, "signature expired at %d", p.Expires)
	}
	return nil
}

func withinSkew(t, now time.Time, past, ahead time.Duration) error {
	d := now.Sub(t)
	switch {
	case d > past:
		return fmt.Errorf("%s old, more than %s", d.Round(time.Second), past)
	case d < -ahead:
		return fmt.Errorf("%s in the future, more than %s", (-d).Round(time.Second), ahead)
	}
	return nil
}

// verifyWithKey picks the algorithm from the key type: the algorithm
// parameter is hs2019 for most peers and says nothing.
func verifyWithKey(v httpsig.Verifier, pub crypto.PublicKey, alg string) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg == algEd25519 {
			return errors.New("algorithm ed25519 with an RSA key")
		}
		return v.Verify(k, httpsig.RSA_SHA256)
	case ed25519.PublicKey:
		if alg == algRSASHA256 {
			return errors.New("algorithm rsa-sha256 with an Ed25519 key")
		}
		return v.Verify(k, httpsig.ED25519)
	case nil:
		return errors.New("no key")
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
}

// SignatureParams are the parameters of a draft-cavage Signature header.
// Headers are lower-cased; Created and Expires are Unix seconds, 0 if absent.
type SignatureParams struct {
	KeyID     string
	Algorithm string
	Headers   []string
	Signature string // base64, as sent
	Created   int64
	Expires   int64
}

func (p SignatureParams) has(header string) bool {
	for _, h := range p.Headers {
		if h == header {
			return true
		}
	}
	return false
}

// String serialises p as a Signature header value that
// ParseSignatureHeader reads back unchanged.
func (p SignatureParams) String() string {
	var b strings.Builder
	writeQuoted := func(name, v string) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteString(`="`)
		for i := 0; i < len(v); i++ {
			if v[i] == '"' || v[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[i])
		}
		b.WriteByte('"')
	}
	writeInt := func(name string, v int64) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strconv.FormatInt(v, 10))
	}
	writeQuoted("keyId", p.KeyID)
	if p.Algorithm != "" {
		writeQuoted("algorithm", p.Algorithm)
	}
	if p.Created != 0 {
		writeInt("created", p.Created)
	}
	if p.Expires != 0 {
		writeInt("expires", p.Expires)
	}
	if len(p.Headers) > 0 {
		writeQuoted("headers", strings.Join(p.Headers, " "))
	}
	writeQuoted("signature", p.Signature)
	return b.String()
}

// Bits recording which known parameters were seen, to refuse duplicates.
const (
	seenKeyID = 1 << iota
	seenAlgorithm
	seenHeaders
	seenSignature
	seenCreated
	seenExpires
)

// ParseSignatureHeader parses the value of a Signature header (without the
// "Signature " prefix of the Authorization form). Parameter names are
// case-insensitive, values are quoted strings (created and expires may be
// bare integers), unknown parameters are ignored, and a known parameter given
// twice is refused: a peer never does that, and httpsig would take the last
// one while a reader of the first would check something else.
func ParseSignatureHeader(s string) (SignatureParams, error) {
	var p SignatureParams
	if len(s) > MaxSignatureHeaderBytes {
		return p, fmt.Errorf("signature header is %d bytes, more than %d", len(s), MaxSignatureHeaderBytes)
	}
	seen := 0
	i := 0
	for {
		// Empty list elements and whitespace are allowed (RFC 9110 §5.6.1).
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		if i == start {
			return SignatureParams{}, fmt.Errorf("expected parameter name at offset %d", i)
		}
		name := strings.ToLower(s[start:i])
		i = skipOWS(s, i)
		if i >= len(s) || s[i] != '=' {
			return SignatureParams{}, fmt.Errorf("parameter %q has no value", name)
		}
		i = skipOWS(s, i+1)
		var val string
		quoted := i < len(s) && s[i] == '"'
		if quoted {
			var err error
			if val, i, err = parseQuoted(s, i); err != nil {
				return SignatureParams{}, fmt.Errorf("parameter %q: %w", name, err)
			}
		} else {
			start := i
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			val = s[start:i]
		}
		i = skipOWS(s, i)
		if i < len(s) && s[i] != ',' {
			return SignatureParams{}, fmt.Errorf("unexpected %q after parameter %q", s[i], name)
		}

		var bit int
		var err error
		switch name {
		case "keyid":
			bit = seenKeyID
			p.KeyID = val
		case "algorithm":
			bit = seenAlgorithm
			p.Algorithm = val
		case "headers":
			bit = seenHeaders
			p.Headers, err = parseHeaderList(val)
		case "signature":
			bit = seenSignature
			p.Signature = val
			if _, derr := base64.StdEncoding.DecodeString(val); derr != nil {
				err = errors.New("not base64")
			}
		case "created":
			bit = seenCreated
			p.Created, err = parseUnixSeconds(val)
		case "expires":
			bit = seenExpires
			p.Expires, err = parseUnixSeconds(val)
		default:
			continue
		}
		if err != nil {
			return SignatureParams{}, fmt.Errorf("parameter %q: %w", name, err)
		}
		if seen&bit != 0 {
			return SignatureParams{}, fmt.Errorf("parameter %q given twice", name)
		}
		seen |= bit
	}
	if p.KeyID == "" {
		return SignatureParams{}, errors.New("missing keyId")
	}
	if p.Signature == "" {
		return SignatureParams{}, errors.New("missing signature")
	}
	return p, nil
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// parseQuoted reads an RFC 9110 quoted-string starting at s[i] == '"' and
// returns its unescaped value and the index after the closing quote.
func parseQuoted(s string, i int) (string, int, error) {
	i++ // opening quote
	start := i
	var b *strings.Builder // only allocated when there are escapes
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			if b == nil {
				return s[start:i], i + 1, nil
			}
			return b.String(), i + 1, nil
		case c == '\\':
			if i+1 >= len(s) || isCTL(s[i+1]) {
				return "", 0, errors.New("bad escape in quoted string")
			}
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(s[start:i])
			}
			b.WriteByte(s[i+1])
			i += 2
		case isCTL(c):
			return "", 0, errors.New("control character in quoted string")
		default:
			if b != nil {
				b.WriteByte(c)
			}
			i++
		}
	}
	return "", 0, errors.New("unterminated quoted string")
}

func parseHeaderList(v string) ([]string, error) {
	fields := strings.Fields(strings.ToLower(v))
	if len(fields) == 0 {
		return nil, errors.New("empty list")
	}
	if len(fields) > maxSignedHeaders {
		return nil, fmt.Errorf("%d headers, more than %d", len(fields), maxSignedHeaders)
	}
	for i, f := range fields {
		switch f {
		case headerRequestTarget, headerCreated, headerExpires:
		default:
			for j := 0; j < len(f); j++ {
				if !isTokenChar(f[j]) {
					return nil, fmt.Errorf("bad header name %q", f)
				}
			}
		}
		for _, g := range fields[:i] {
			if g == f {
				return nil, fmt.Errorf("header %q listed twice", f)
			}
		}
	}
	return fields, nil
}

func parseUnixSeconds(v string) (int64, error) {
	if v == "" {
		return 0, errors.New("empty")
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, errors.New("not an integer")
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, errors.New("out of range")
	}
	if n == 0 {
		// 0 means "absent" in SignatureParams; no peer signs at the epoch.
		return 0, errors.New("zero")
	}
	return n, nil
}

func isCTL(c byte) bool { return (c < 0x20 && c != '\t') || c == 0x7f }

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
