package federation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
)

// HTTP Message Signatures (RFC 9421), the successor of draft-cavage that
// Mastodon verifies since 4.5. httpsfv parses and writes the structured
// fields (Signature-Input, Signature, Content-Digest); everything else, the
// signature base, the algorithms and every rule of what a signature must
// cover, is here, because httpsfv knows nothing of signatures.

// The two signature schemes a request may carry.
const (
	SchemeRFC9421 = "rfc9421"
	SchemeCavage  = "cavage"
)

// RFC 9421 algorithm names (the alg parameter). algEd25519 is shared with
// draft-cavage.
const (
	algRSAv15SHA256 = "rsa-v1_5-sha256"
	algRSAPSSSHA512 = "rsa-pss-sha512"
)

// Derived components (RFC 9421 §2.2) a request signature may cover.
const (
	compMethod        = "@method"
	compTargetURI     = "@target-uri"
	compAuthority     = "@authority"
	compScheme        = "@scheme"
	compRequestTarget = "@request-target"
	compPath          = "@path"
	compQuery         = "@query"
	compQueryParam    = "@query-param"
	compSigParams     = "@signature-params"
	fieldDigest       = "content-digest"
)

// Bounds on what a peer may make us parse: real peers send one signature
// over three or four components.
const (
	maxMessageSignatures = 8
	maxComponents        = 32
)

// messageLabel is the label of the signatures we send.
const messageLabel = "sig1"

// messageSignature is one RFC 9421 signature of a request: a member of
// Signature-Input and the member of Signature with the same label.
type messageSignature struct {
	label      string
	input      httpsfv.InnerList // as received, for @signature-params
	components []httpsfv.Item
	keyID      string
	alg        string
	created    int64 // Unix seconds, 0 if absent
	expires    int64
	sig        []byte
}

func (m *messageSignature) covers(name string) bool {
	for _, c := range m.components {
		if c.Value == name {
			return true
		}
	}
	return false
}

// hasMessageSignature tells whether a request is signed with RFC 9421
// rather than draft-cavage; both use a Signature header, only RFC 9421 has
// Signature-Input.
func hasMessageSignature(h http.Header) bool { return len(h.Values("Signature-Input")) > 0 }

// parseMessageSignature reads the first signature of Signature-Input that
// has a value in Signature. Component names must be lower-case strings,
// given once, with no parameter but @query-param's name; a signature with
// anything else is refused rather than half understood.
func parseMessageSignature(h http.Header) (*messageSignature, error) {
	inputs, sigs := h.Values("Signature-Input"), h.Values("Signature")
	if len(sigs) == 0 {
		return nil, &SignatureError{Reason: ReasonMissingSignature, Err: errors.New("Signature-Input without Signature")}
	}
	if n := len(strings.Join(inputs, ",")) + len(strings.Join(sigs, ",")); n > 2*MaxSignatureHeaderBytes {
		return nil, sigErr(ReasonMalformedSignature, "signature fields are %d bytes", n)
	}
	in, err := httpsfv.UnmarshalDictionary(inputs)
	if err != nil {
		return nil, sigErr(ReasonMalformedSignature, "Signature-Input: %v", err)
	}
	sd, err := httpsfv.UnmarshalDictionary(sigs)
	if err != nil {
		return nil, sigErr(ReasonMalformedSignature, "Signature: %v", err)
	}
	if len(in.Names()) > maxMessageSignatures {
		return nil, sigErr(ReasonMalformedSignature, "%d signatures, more than %d", len(in.Names()), maxMessageSignatures)
	}
	for _, label := range in.Names() {
		im, _ := in.Get(label)
		sm, ok := sd.Get(label)
		if !ok {
			continue
		}
		il, ok := im.(httpsfv.InnerList)
		if !ok {
			return nil, sigErr(ReasonMalformedSignature, "Signature-Input %s is not an inner list", label)
		}
		item, ok := sm.(httpsfv.Item)
		sig, isBytes := item.Value.([]byte)
		if !ok || !isBytes {
			return nil, sigErr(ReasonMalformedSignature, "Signature %s is not a byte sequence", label)
		}
		m := &messageSignature{label: label, input: il, sig: sig}
		if err := m.readParams(il.Params); err != nil {
			return nil, &SignatureError{Reason: ReasonMalformedSignature, Err: err}
		}
		if err := m.readComponents(il.Items); err != nil {
			return nil, &SignatureError{Reason: ReasonMalformedSignature, Err: err}
		}
		return m, nil
	}
	return nil, sigErr(ReasonMalformedSignature, "no label of Signature-Input has a Signature")
}

func (m *messageSignature) readParams(p *httpsfv.Params) error {
	if p == nil {
		return nil
	}
	for _, name := range p.Names() {
		v, _ := p.Get(name)
		var ok bool
		switch name {
		case "keyid":
			m.keyID, ok = v.(string)
		case "alg":
			m.alg, ok = v.(string)
		case "created":
			m.created, ok = v.(int64)
			ok = ok && m.created > 0
		case "expires":
			m.expires, ok = v.(int64)
			ok = ok && m.expires > 0
		default:
			ok = true // nonce, tag: nothing to check
		}
		if !ok {
			return fmt.Errorf("parameter %s has a bad value", name)
		}
	}
	return nil
}

func (m *messageSignature) readComponents(items []httpsfv.Item) error {
	if len(items) > maxComponents {
		return fmt.Errorf("%d components, more than %d", len(items), maxComponents)
	}
	seen := map[string]bool{}
	for _, c := range items {
		name, ok := c.Value.(string)
		if !ok || name == "" || name != strings.ToLower(name) {
			return fmt.Errorf("component %v is not a lower-case string", c.Value)
		}
		key := name
		for _, pn := range c.Params.Names() {
			v, _ := c.Params.Get(pn)
			s, isString := v.(string)
			if name != compQueryParam || pn != "name" || !isString {
				return fmt.Errorf("component %s: parameter %s not supported", name, pn)
			}
			key += ";" + s
		}
		if name == compQueryParam && key == name {
			return errors.New("@query-param without a name")
		}
		if seen[key] {
			return fmt.Errorf("component %s given twice", key)
		}
		seen[key] = true
	}
	m.components = items
	return nil
}

// messageParts are the parts of a request a signature base is built from,
// the same whether we sign it (client side) or verify it (server side).
type messageParts struct {
	method   string
	scheme   string
	host     string // as sent in Host, lower-cased
	path     string // escaped, as on the wire
	rawQuery string
	header   http.Header
}

func clientParts(req *http.Request) messageParts {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	return messageParts{method: req.Method, scheme: strings.ToLower(req.URL.Scheme), host: strings.ToLower(host),
		path: escapedPath(req.URL), rawQuery: req.URL.RawQuery, header: req.Header}
}

// serverParts reads a received request. The scheme is not on the wire: TLS
// here, else the proxy's X-Forwarded-Proto, else http; verification tries
// the other one too when a signature covers the scheme (a proxy that does
// not say), since the host and path, which matter, are the same.
func serverParts(r *http.Request) messageParts {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if p := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0])); p == "https" {
		scheme = p
	}
	return messageParts{method: r.Method, scheme: scheme, host: strings.ToLower(r.Host), path: escapedPath(r.URL),
		rawQuery: r.URL.RawQuery, header: r.Header}
}

func escapedPath(u *url.URL) string {
	if p := u.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// authority is the host without the scheme's default port (RFC 9421 §2.2.3).
func (p messageParts) authority() string {
	h, port, err := net.SplitHostPort(p.host)
	if err == nil && ((p.scheme == "https" && port == "443") || (p.scheme == "http" && port == "80")) {
		if strings.Contains(h, ":") {
			return "[" + h + "]"
		}
		return h
	}
	return p.host
}

func (p messageParts) requestTarget() string {
	if p.rawQuery == "" {
		return p.path
	}
	return p.path + "?" + p.rawQuery
}

// componentValue is the value of one covered component (RFC 9421 §2.1, §2.2).
func (p messageParts) componentValue(c httpsfv.Item) (string, error) {
	name := c.Value.(string)
	switch name {
	case compMethod:
		return p.method, nil
	case compTargetURI:
		return p.scheme + "://" + p.host + p.requestTarget(), nil
	case compAuthority:
		return p.authority(), nil
	case compScheme:
		return p.scheme, nil
	case compRequestTarget:
		return p.requestTarget(), nil
	case compPath:
		return p.path, nil
	case compQuery:
		return "?" + p.rawQuery, nil
	case compQueryParam:
		v, _ := c.Params.Get("name")
		return p.queryParam(v.(string))
	case "host":
		// Go's server moves Host out of the header map.
		if len(p.header.Values("Host")) == 0 {
			return p.host, nil
		}
	}
	if strings.HasPrefix(name, "@") {
		return "", fmt.Errorf("component %s cannot be covered in a request signature", name)
	}
	values := p.header.Values(textproto.CanonicalMIMEHeaderKey(name))
	if len(values) == 0 {
		return "", sigErr(ReasonMissingHeaders, "covered field %q absent from request", name)
	}
	trimmed := make([]string, len(values))
	for i, v := range values {
		trimmed[i] = strings.Trim(v, " \t")
	}
	return strings.Join(trimmed, ", "), nil
}

// queryParam is the value of one named query parameter, decoded then
// percent-encoded again (RFC 9421 §2.2.8); a name given twice is refused,
// since which one was signed cannot be told.
func (p messageParts) queryParam(name string) (string, error) {
	q, err := url.ParseQuery(p.rawQuery)
	if err != nil {
		return "", fmt.Errorf("@query-param: %v", err)
	}
	wantName, _ := url.QueryUnescape(name)
	vs := q[wantName]
	if len(vs) != 1 {
		return "", fmt.Errorf("@query-param %q appears %d times", name, len(vs))
	}
	return strings.ReplaceAll(url.QueryEscape(vs[0]), "+", "%20"), nil
}

// signatureBase builds the bytes that are signed (RFC 9421 §2.5).
func (p messageParts) signatureBase(components []httpsfv.Item, input httpsfv.InnerList) ([]byte, error) {
	var b bytes.Buffer
	for _, c := range components {
		id, err := httpsfv.Marshal(c)
		if err != nil {
			return nil, err
		}
		v, err := p.componentValue(c)
		if err != nil {
			return nil, err
		}
		b.WriteString(id)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	params, err := httpsfv.Marshal(httpsfv.List{input})
	if err != nil {
		return nil, err
	}
	b.WriteString(`"` + compSigParams + `": `)
	b.WriteString(params)
	return b.Bytes(), nil
}

// checkMessageAlgorithm refuses, before any key is fetched, an algorithm we
// do not verify (hmac-sha256 needs a shared secret, ecdsa no peer uses).
func checkMessageAlgorithm(alg string) error {
	switch alg {
	case "", algRSAv15SHA256, algRSAPSSSHA512, algEd25519:
		return nil
	}
	return sigErr(ReasonMalformedSignature, "unsupported algorithm %q", alg)
}

func verifyRSAv15(k *rsa.PublicKey, base, sig []byte) error {
	sum := sha256.Sum256(base)
	return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig)
}

func verifyRSAPSS(k *rsa.PublicKey, base, sig []byte) error {
	sum := sha512.Sum512(base)
	return rsa.VerifyPSS(k, crypto.SHA512, sum[:], sig, &rsa.PSSOptions{SaltLength: 64, Hash: crypto.SHA512})
}

// verifyMessageBytes checks sig over base with pub. Without alg the key
// type says which algorithm: ed25519 for Ed25519 keys, one of the two RSA
// algorithms for RSA keys.
func verifyMessageBytes(alg string, pub crypto.PublicKey, base, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch alg {
		case algRSAv15SHA256:
			return verifyRSAv15(k, base, sig)
		case algRSAPSSSHA512:
			return verifyRSAPSS(k, base, sig)
		case "":
			// An RSA key published as PEM does not say which padding it signs
			// with: rsa-v1_5-sha256 (Mastodon) first, then rsa-pss-sha512.
			if err := verifyRSAv15(k, base, sig); err != nil && verifyRSAPSS(k, base, sig) != nil {
				return err
			}
			return nil
		}
	case ed25519.PublicKey:
		if alg == "" || alg == algEd25519 {
			if !ed25519.Verify(k, base, sig) {
				return errors.New("ed25519: verification error")
			}
			return nil
		}
	case nil:
		return errors.New("no key")
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
	return fmt.Errorf("algorithm %q with a %T key", alg, pub)
}

// verifyMessageRequest is VerifyRequest for RFC 9421 signatures: the
// same time window, key lookup and refetch as draft-cavage, and the same
// demands on what is covered: the method, the target (whole, or its
// authority and path), created, and on a body its Content-Digest.
func verifyMessageRequest(ctx context.Context, r *http.Request, body []byte, keys KeyResolver, now time.Time) (Verified, error) {
	m, err := parseMessageSignature(r.Header)
	if err != nil {
		return Verified{}, err
	}
	if m.keyID == "" {
		return Verified{}, sigErr(ReasonMalformedSignature, "signature has no keyid")
	}
	if err := checkMessageAlgorithm(m.alg); err != nil {
		return Verified{}, err
	}
	p := serverParts(r)
	if err := m.checkCoverage(p, needsDigest(r, body)); err != nil {
		return Verified{}, err
	}
	if m.covers(fieldDigest) {
		if err := checkContentDigest(r.Header.Values("Content-Digest"), body); err != nil {
			return Verified{}, err
		}
	}
	past, ahead := timeWindow(r.Method)
	if err := withinSkew(time.Unix(m.created, 0), now, past, ahead); err != nil {
		return Verified{}, &SignatureError{Reason: ReasonStaleDate, Err: fmt.Errorf("created: %w", err)}
	}
	if m.expires != 0 && now.After(time.Unix(m.expires, 0)) {
		return Verified{}, sigErr(ReasonStaleDate, "signature expired at %d", m.expires)
	}
	bases := make([][]byte, 0, 2)
	base, err := p.signatureBase(m.components, m.input)
	if err != nil {
		var se *SignatureError
		if errors.As(err, &se) {
			return Verified{}, se
		}
		return Verified{}, &SignatureError{Reason: ReasonMalformedSignature, Err: err}
	}
	bases = append(bases, base)
	if m.covers(compTargetURI) || m.covers(compScheme) {
		other := p
		other.scheme = map[string]string{"http": "https", "https": "http"}[p.scheme]
		if base, err := other.signatureBase(m.components, m.input); err == nil {
			bases = append(bases, base)
		}
	}
	return verifyWithKeyOf(ctx, keys, m.keyID, func(pub crypto.PublicKey) error {
		var err error
		for _, b := range bases {
			if err = verifyMessageBytes(m.alg, pub, b, m.sig); err == nil {
				return nil
			}
		}
		return err
	})
}

// checkCoverage lists what a signature must cover to bind it to this
// request: without the method a signed GET could be replayed as a POST,
// without the target it could be sent to another path, without the digest
// the body could be anything.
func (m *messageSignature) checkCoverage(p messageParts, needDigest bool) error {
	var missing []string
	if !m.covers(compMethod) {
		missing = append(missing, compMethod)
	}
	if !m.covers(compTargetURI) {
		if !m.covers(compAuthority) && !m.covers("host") {
			missing = append(missing, compTargetURI+" or "+compAuthority)
		}
		switch {
		case m.covers(compRequestTarget):
		case !m.covers(compPath):
			missing = append(missing, compPath)
		case p.rawQuery != "" && !m.covers(compQuery):
			missing = append(missing, compQuery)
		}
	}
	if needDigest && !m.covers(fieldDigest) {
		missing = append(missing, fieldDigest)
	}
	if m.created == 0 {
		missing = append(missing, "created")
	}
	if len(missing) > 0 {
		return sigErr(ReasonMissingHeaders, "signature does not cover %s", strings.Join(missing, ", "))
	}
	return nil
}

// checkContentDigest checks Content-Digest (RFC 9530) against the body:
// at least one sha-256 or sha-512 value, and every such value right.
// Other algorithms are ignored, as the RFC asks.
func checkContentDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return sigErr(ReasonDigestMismatch, "no Content-Digest")
	}
	d, err := httpsfv.UnmarshalDictionary(values)
	if err != nil {
		return sigErr(ReasonDigestMismatch, "Content-Digest: %v", err)
	}
	found := false
	for _, alg := range d.Names() {
		var sum []byte
		switch alg {
		case "sha-256":
			s := sha256.Sum256(body)
			sum = s[:]
		case "sha-512":
			s := sha512.Sum512(body)
			sum = s[:]
		default:
			continue
		}
		m, _ := d.Get(alg)
		item, ok := m.(httpsfv.Item)
		got, isBytes := item.Value.([]byte)
		if !ok || !isBytes || !bytes.Equal(got, sum) {
			return sigErr(ReasonDigestMismatch, "Content-Digest %s does not match the body", alg)
		}
		found = true
	}
	if !found {
		return sigErr(ReasonDigestMismatch, "Content-Digest has no sha-256 or sha-512 value")
	}
	return nil
}

// SignMessage signs an outgoing request with RFC 9421: ("@method"
// "@target-uri" "content-digest") for a body, ("@method" "@target-uri")
// without, with created, keyid and alg. Like SignRequest it sets the body
// (when not nil) and replaces any earlier signature of either scheme.
func SignMessage(req *http.Request, body []byte, keyID string, key crypto.PrivateKey) error {
	return SignMessageWith(req, body, keyID, key, MessageOptions{})
}

// MessageOptions shape a signature made by SignMessageWith. The zero value
// is what Archipel sends; the rest exists for the RFC's test vectors and
// for tests that must send what a hostile peer would.
type MessageOptions struct {
	Label      string    // "" is sig1
	Components []string  // nil: the default list
	Created    time.Time // zero: now
	NoCreated  bool      // leave created out
	Alg        string    // "" is the key's algorithm
	NoAlg      bool      // leave alg out
	// ContentDigest, when not nil, is sent instead of the body's digest
	// ("" sends none).
	ContentDigest *string
}

// SignMessageWith is SignMessage shaped by opts.
func SignMessageWith(req *http.Request, body []byte, keyID string, key crypto.PrivateKey, opts MessageOptions) error {
	if req.URL == nil || req.URL.Host == "" && req.Host == "" {
		return errors.New("sign request: no URL host")
	}
	if keyID == "" {
		return errors.New("sign request: no key id")
	}
	alg := opts.Alg
	if alg == "" {
		switch key.(type) {
		case *rsa.PrivateKey:
			alg = algRSAv15SHA256
		case ed25519.PrivateKey:
			alg = algEd25519
		default:
			return fmt.Errorf("sign request: unsupported key type %T", key)
		}
	}
	now := opts.Created
	if now.IsZero() {
		now = time.Now()
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	for _, h := range []string{"Signature", "Signature-Input", "Digest", "Content-Digest"} {
		req.Header.Del(h)
	}
	names := opts.Components
	if names == nil {
		names = []string{compMethod, compTargetURI}
		if body != nil {
			names = append(names, fieldDigest)
		}
	}
	components := make([]httpsfv.Item, len(names))
	for i, n := range names {
		components[i] = httpsfv.NewItem(n)
	}
	switch {
	case opts.ContentDigest != nil && *opts.ContentDigest != "":
		req.Header.Set("Content-Digest", *opts.ContentDigest)
	case opts.ContentDigest == nil && body != nil:
		sum := sha256.Sum256(body)
		req.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	}
	params := httpsfv.NewParams()
	if !opts.NoCreated {
		params.Add("created", now.Unix())
	}
	params.Add("keyid", keyID)
	if !opts.NoAlg {
		params.Add("alg", alg)
	}
	input := httpsfv.InnerList{Items: components, Params: params}
	base, err := clientParts(req).signatureBase(components, input)
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	sig, err := signMessageBytes(key, base)
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	in, err := httpsfv.Marshal(httpsfv.List{input})
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	label := opts.Label
	if label == "" {
		label = messageLabel
	}
	req.Header.Set("Signature-Input", label+"="+in)
	req.Header.Set("Signature", label+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
	if req.Header.Get("Date") == "" {
		req.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	return nil
}

func signMessageBytes(key crypto.PrivateKey, base []byte) ([]byte, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		sum := sha256.Sum256(base)
		return rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	case ed25519.PrivateKey:
		return ed25519.Sign(k, base), nil
	}
	return nil, fmt.Errorf("unsupported key type %T", key)
}

// SignatureKeyID returns the key id a request says it is signed with, in
// either scheme, without verifying anything: the inbox checks its host
// against the actor's before letting us fetch it.
func SignatureKeyID(r *http.Request) (string, error) {
	if hasMessageSignature(r.Header) {
		m, err := parseMessageSignature(r.Header)
		if err != nil {
			return "", err
		}
		return m.keyID, nil
	}
	raw, err := signatureHeader(r.Header)
	if err != nil {
		return "", err
	}
	p, err := ParseSignatureHeader(raw)
	if err != nil {
		return "", err
	}
	return p.KeyID, nil
}
