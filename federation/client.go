package federation

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Limits of the outgoing client. Peers are many and some are slow or
// hostile; none of them may hold a worker for long.
const (
	DefaultClientTimeout    = 30 * time.Second
	DefaultMaxResponseBytes = 10 << 20
	DefaultUserAgent        = "Archipel"

	dialTimeout           = 5 * time.Second
	tlsHandshakeTimeout   = 5 * time.Second
	responseHeaderTimeout = 10 * time.Second
	idleConnTimeout       = 90 * time.Second
	maxIdleConns          = 512
	maxIdleConnsPerHost   = 16
	maxRedirects          = 3
)

// ErrForbiddenAddress is returned (wrapped) when a connection would go to a
// loopback, private, link-local or otherwise non-public address that the
// configuration does not allow.
var ErrForbiddenAddress = errors.New("forbidden address")

// ErrResponseTooLarge is returned when a response body exceeds its limit.
var ErrResponseTooLarge = errors.New("response too large")

// ClientConfig configures NewHTTPClient.
type ClientConfig struct {
	// AllowPrivate lists non-public networks peers may be on
	// (ARCHIPEL_ALLOW_PRIVATE_ADDRESSES, e.g. 127.0.0.0/8 for local
	// federation). They take precedence over every refusal.
	AllowPrivate []netip.Prefix
	// Timeout bounds a whole request including reading the body;
	// 0 means DefaultClientTimeout.
	Timeout time.Duration
	// UserAgent is set on requests that have none; "" means DefaultUserAgent.
	UserAgent string
	// MaxResponseBytes caps every response body: reading past it fails with
	// ErrResponseTooLarge. 0 means DefaultMaxResponseBytes, negative means
	// no limit (for callers that stream to disk with their own limit).
	MaxResponseBytes int64
}

// NewHTTPClient returns the one client Archipel uses to talk to other
// nodes. Addresses are checked at dial time, after DNS resolution, so
// neither a hostile DNS answer (rebinding) nor a redirect can reach an
// internal service.
func NewHTTPClient(cfg ClientConfig) *http.Client {
	return newHTTPClient(cfg, dialTimeout)
}

func newHTTPClient(cfg ClientConfig, dialTO time.Duration) *http.Client {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultClientTimeout
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	maxBytes := cfg.MaxResponseBytes
	if maxBytes == 0 {
		maxBytes = DefaultMaxResponseBytes
	}
	guard := addressGuard{allow: append([]netip.Prefix(nil), cfg.AllowPrivate...)}
	dialer := &net.Dialer{
		Timeout:   dialTO,
		KeepAlive: 30 * time.Second,
		Control:   guard.control,
	}
	tr := &http.Transport{
		// No proxy: the dial check would see the proxy's address, not the
		// peer's, and HTTP(S)_PROXY from the environment would bypass it.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true, // a custom DialContext turns HTTP/2 off otherwise
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       idleConnTimeout,
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   maxIdleConnsPerHost,
	}
	return &http.Client{
		Transport: &clientTransport{base: tr, userAgent: ua, maxBytes: maxBytes},
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

// clientTransport adds the User-Agent and the response size limit.
type clientTransport struct {
	base      *http.Transport
	userAgent string
	maxBytes  int64
}

func (t *clientTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context()) // a RoundTripper must not modify its request
		req.Header.Set("User-Agent", t.userAgent)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || t.maxBytes < 0 {
		return resp, err
	}
	if resp.ContentLength > t.maxBytes {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: Content-Length %d, limit %d", ErrResponseTooLarge, resp.ContentLength, t.maxBytes)
	}
	resp.Body = &limitedBody{rc: resp.Body, n: t.maxBytes}
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pool.
func (t *clientTransport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// limitedBody fails with ErrResponseTooLarge, rather than truncating
// silently, once more than n bytes have been read.
type limitedBody struct {
	rc  io.ReadCloser
	n   int64 // bytes still allowed
	err error
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Read one byte more than allowed to tell "exactly n" from "more".
	if int64(len(p))-1 > l.n {
		p = p[:l.n+1]
	}
	n, err := l.rc.Read(p)
	if int64(n) <= l.n {
		l.n -= int64(n)
		l.err = err
		return n, err
	}
	n = int(l.n)
	l.n = 0
	l.err = ErrResponseTooLarge
	return n, l.err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// ReadLimited reads r to the end, failing with ErrResponseTooLarge if it
// holds more than max bytes.
func ReadLimited(r io.Reader, max int64) ([]byte, error) {
	if max < 0 {
		return nil, fmt.Errorf("read limited: negative limit %d", max)
	}
	limit := max
	if limit < math.MaxInt64 {
		limit++
	}
	b, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, max)
	}
	return b, nil
}

// ParseCIDRList parses ARCHIPEL_ALLOW_PRIVATE_ADDRESSES: comma-separated
// prefixes or bare addresses (taken as /32 or /128). "" gives nil.
func ParseCIDRList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("allowed private addresses: %w", err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("allowed private addresses: %w", err)
		}
		if a.Zone() != "" {
			return nil, fmt.Errorf("allowed private addresses: %q has a zone", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// addressGuard decides which resolved addresses the client may connect to.
type addressGuard struct {
	allow []netip.Prefix
}

// control runs after DNS resolution and before connect(2), so a refused
// address never sees a packet.
func (g addressGuard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse %q", ErrForbiddenAddress, address)
	}
	if !g.allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

func (g addressGuard) allowed(a netip.Addr) bool {
	a = a.WithZone("")
	u := a.Unmap()
	for _, p := range g.allow {
		if p.Contains(a) || p.Contains(u) {
			return true
		}
	}
	if u.Is4() {
		return isPublicIPv4(u)
	}
	if !u.Is6() {
		return false
	}
	// Prefixes that embed an IPv4 address reach that address: judge it.
	b := u.As16()
	switch {
	case nat64Prefix.Contains(u):
		return g.allowed(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFourPrefix.Contains(u):
		return g.allowed(netip.AddrFrom4([4]byte(b[2:6])))
	}
	if u.IsLoopback() || u.IsPrivate() || u.IsLinkLocalUnicast() || u.IsMulticast() ||
		u.IsUnspecified() || u.IsInterfaceLocalMulticast() || u.IsLinkLocalMulticast() {
		return false
	}
	for _, p := range reservedIPv6 {
		if p.Contains(u) {
			return false
		}
	}
	return true
}

func isPublicIPv4(a netip.Addr) bool {
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range reservedIPv4 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var (
	nat64Prefix     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFourPrefix = netip.MustParsePrefix("2002::/16")

	// IANA special-purpose ranges not covered by the netip predicates.
	reservedIPv4 = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
		netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT
		netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
		netip.MustParsePrefix("192.0.2.0/24"),    // documentation
		netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
		netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
		netip.MustParsePrefix("198.51.100.0/24"), // documentation
		netip.MustParsePrefix("203.0.113.0/24"),  // documentation
		netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	}
	reservedIPv6 = []netip.Prefix{
		netip.MustParsePrefix("::/96"),          // IPv4-compatible (deprecated)
		netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
		netip.MustParsePrefix("100::/64"),       // discard
		netip.MustParsePrefix("2001::/23"),      // IETF protocol assignments, Teredo
		netip.MustParsePrefix("2001:db8::/32"),  // documentation
		netip.MustParsePrefix("fec0::/10"),      // site-local (deprecated)
	}
)
