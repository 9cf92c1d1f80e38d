package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

// testDialTimeout keeps a test from hanging if a dial were ever attempted.
const testDialTimeout = 500 * time.Millisecond

func testClient(allow ...string) *http.Client {
	var prefixes []netip.Prefix
	for _, a := range allow {
		prefixes = append(prefixes, netip.MustParsePrefix(a))
	}
	return newHTTPClient(ClientConfig{AllowPrivate: prefixes, Timeout: 5 * time.Second}, testDialTimeout)
}

func get(t *testing.T, c *http.Client, target string) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func wantForbidden(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("err = %v, want ErrForbiddenAddress", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Fatalf("err = %T, want it inside *url.Error", err)
	}
}

func TestClientLoopbackServer(t *testing.T) {
	var hits atomic.Int32
	var gotUA atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		gotUA.Store(r.UserAgent())
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	t.Run("refused without allowlist", func(t *testing.T) {
		_, err := get(t, testClient(), srv.URL)
		wantForbidden(t, err)
	})
	t.Run("localhost refused", func(t *testing.T) {
		_, err := get(t, testClient(), fmt.Sprintf("http://localhost:%d/", port))
		wantForbidden(t, err)
	})
	t.Run("allowlist of another network does not help", func(t *testing.T) {
		_, err := get(t, testClient("10.0.0.0/8", "::1/128"), srv.URL)
		wantForbidden(t, err)
	})
	if n := hits.Load(); n != 0 {
		t.Fatalf("server got %d requests from refused clients", n)
	}

	t.Run("reachable with 127.0.0.0/8 allowed", func(t *testing.T) {
		resp, err := get(t, testClient("127.0.0.0/8"), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Fatalf("status %d body %q", resp.StatusCode, body)
		}
		if ua := gotUA.Load(); ua != DefaultUserAgent {
			t.Errorf("User-Agent = %q, want %q", ua, DefaultUserAgent)
		}
	})
	t.Run("caller's User-Agent kept", func(t *testing.T) {
		c := newHTTPClient(ClientConfig{
			AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
			UserAgent:    "Archipel/1.0 (+https://node.example)",
		}, testDialTimeout)
		if _, err := get(t, c, srv.URL); err != nil {
			t.Fatal(err)
		}
		if ua := gotUA.Load(); ua != "Archipel/1.0 (+https://node.example)" {
			t.Errorf("User-Agent = %q", ua)
		}
	})
}

// TestClientRefusesInternalAddresses never sends a packet to a
// non-loopback address: it first checks that the dial guard refuses each
// one, and only then lets the client try (and be stopped by the guard).
func TestClientRefusesInternalAddresses(t *testing.T) {
	targets := []struct{ url, dialAddr string }{
		{"http://10.0.0.1/inbox", "10.0.0.1:80"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254:80"},
		{"https://[fd00::1]/inbox", "[fd00::1]:443"},
		{"http://[::ffff:10.0.0.1]/", "[::ffff:10.0.0.1]:80"},
		{"http://[::1]:9/", "[::1]:9"},
	}
	guard := addressGuard{}
	c := testClient()
	for _, tt := range targets {
		t.Run(tt.url, func(t *testing.T) {
			if err := guard.control("tcp", tt.dialAddr, nil); !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("guard allows %s (err %v); not sending anything", tt.dialAddr, err)
			}
			start := time.Now()
			_, err := get(t, c, tt.url)
			wantForbidden(t, err)
			if d := time.Since(start); d > testDialTimeout {
				t.Errorf("refusal took %s: the guard should refuse before connecting", d)
			}
		})
	}
}

func TestClientRedirects(t *testing.T) {
	var hits atomic.Int32
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		http.Redirect(w, r, fmt.Sprintf("/r%d", n), http.StatusFound)
	}))
	defer loop.Close()

	_, err := get(t, testClient("127.0.0.0/8"), loop.URL)
	if err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("err = %v, want a redirect limit error", err)
	}
	if n := hits.Load(); n != maxRedirects+1 {
		t.Errorf("%d requests, want %d", n, maxRedirects+1)
	}

	// A redirect to a forbidden address is caught by the same dial check.
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://[::1]:9/admin", http.StatusFound)
	}))
	defer internal.Close()
	_, err = get(t, testClient("127.0.0.1/32"), internal.URL)
	wantForbidden(t, err)
}

func TestClientResponseLimit(t *testing.T) {
	const limit = 50
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		if r.URL.Query().Get("chunked") != "" {
			w.(http.Flusher).Flush() // no Content-Length
		}
		io.WriteString(w, strings.Repeat("x", n))
	}))
	defer srv.Close()
	c := newHTTPClient(ClientConfig{
		AllowPrivate:     []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		MaxResponseBytes: limit,
	}, testDialTimeout)

	tests := []struct {
		query string
		want  error
	}{
		{"n=50", nil},
		{"n=50&chunked=1", nil},
		{"n=51", ErrResponseTooLarge},
		{"n=51&chunked=1", ErrResponseTooLarge},
		{"n=100000&chunked=1", ErrResponseTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, err := get(t, c, srv.URL+"/?"+tt.query)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAddressGuard(t *testing.T) {
	tests := []struct {
		addr  string
		allow []string
		want  bool
	}{
		{addr: "93.184.216.34", want: true},
		{addr: "8.8.8.8", want: true},
		{addr: "2606:4700:4700::1111", want: true},
		{addr: "64:ff9b::808:808", want: true}, // NAT64 of 8.8.8.8
		{addr: "127.0.0.1"},
		{addr: "127.255.255.254"},
		{addr: "10.1.2.3"},
		{addr: "172.16.0.1"},
		{addr: "172.31.255.255"},
		{addr: "192.168.1.1"},
		{addr: "169.254.169.254"},
		{addr: "100.64.0.1"},
		{addr: "100.127.255.255"},
		{addr: "0.0.0.0"},
		{addr: "0.1.2.3"},
		{addr: "224.0.0.1"},
		{addr: "239.255.255.250"},
		{addr: "255.255.255.255"},
		{addr: "198.18.0.1"},
		{addr: "::"},
		{addr: "::1"},
		{addr: "::ffff:127.0.0.1"},
		{addr: "::ffff:10.0.0.1"},
		{addr: "::ffff:169.254.169.254"},
		{addr: "::ffff:100.64.0.1"},
		{addr: "::127.0.0.1"}, // IPv4-compatible
		{addr: "fc00::1"},
		{addr: "fd12:3456::1"},
		{addr: "fe80::1"},
		{addr: "fe80::1%eth0"},
		{addr: "fec0::1"},
		{addr: "ff02::1"},
		{addr: "ff05::2"},
		{addr: "64:ff9b::a00:1"},  // NAT64 of 10.0.0.1
		{addr: "64:ff9b::7f00:1"}, // NAT64 of 127.0.0.1
		{addr: "2002:a00:1::1"},   // 6to4 of 10.0.0.1
		{addr: "2002:808:808::1", want: true},
		{addr: "2001:0:4136:e378::1"}, // Teredo
		{addr: "2001:db8::1"},
		{addr: "127.0.0.1", allow: []string{"127.0.0.0/8"}, want: true},
		{addr: "::ffff:127.0.0.1", allow: []string{"127.0.0.0/8"}, want: true},
		{addr: "::1", allow: []string{"127.0.0.0/8"}},
		{addr: "::1", allow: []string{"::1/128"}, want: true},
		{addr: "10.1.2.3", allow: []string{"10.0.0.0/8"}, want: true},
		{addr: "10.1.2.3", allow: []string{"10.0.0.0/16"}},
		{addr: "64:ff9b::a00:1", allow: []string{"10.0.0.0/8"}, want: true},
		{addr: "fd12::1", allow: []string{"fd12::/16"}, want: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.addr, tt.allow), func(t *testing.T) {
			var g addressGuard
			for _, a := range tt.allow {
				g.allow = append(g.allow, netip.MustParsePrefix(a))
			}
			if got := g.allowed(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("allowed(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

func TestAddressGuardControl(t *testing.T) {
	var g addressGuard
	for _, addr := range []string{"not an address", "example.com:80", "10.0.0.1"} {
		if err := g.control("tcp", addr, nil); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("control(%q) = %v, want ErrForbiddenAddress", addr, err)
		}
	}
	if err := g.control("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("control(public) = %v", err)
	}
}

func TestParseCIDRList(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: ""},
		{in: " , "},
		{in: "127.0.0.0/8", want: []string{"127.0.0.0/8"}},
		{in: "127.0.0.0/8, 10.0.0.0/8,", want: []string{"127.0.0.0/8", "10.0.0.0/8"}},
		{in: "10.0.0.1", want: []string{"10.0.0.1/32"}},
		{in: "::1", want: []string{"::1/128"}},
		{in: "fd00::/8,192.168.1.7", want: []string{"fd00::/8", "192.168.1.7/32"}},
		{in: "10.1.2.3/8", want: []string{"10.0.0.0/8"}},
		{in: "nope", wantErr: true},
		{in: "127.0.0.0/8,nope", wantErr: true},
		{in: "10.0.0.0/33", wantErr: true},
		{in: "fe80::1%eth0", wantErr: true},
		{in: "localhost", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCIDRList(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			var want []netip.Prefix
			for _, w := range tt.want {
				want = append(want, netip.MustParsePrefix(w))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestReadLimited(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		r    io.Reader
		max  int64
		want string
		err  error
	}{
		{name: "under", r: strings.NewReader("abc"), max: 4, want: "abc"},
		{name: "exactly max", r: strings.NewReader("abcd"), max: 4, want: "abcd"},
		{name: "one over", r: strings.NewReader("abcde"), max: 4, err: ErrResponseTooLarge},
		{name: "zero limit, empty", r: strings.NewReader(""), max: 0, want: ""},
		{name: "zero limit, one byte", r: strings.NewReader("a"), max: 0, err: ErrResponseTooLarge},
		{name: "one byte at a time", r: iotest.OneByteReader(strings.NewReader("abcd")), max: 4, want: "abcd"},
		{name: "max int64", r: strings.NewReader("abc"), max: math.MaxInt64, want: "abc"},
		{name: "reader error", r: iotest.ErrReader(boom), max: 4, err: boom},
		{name: "negative limit", r: strings.NewReader(""), max: -1, err: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadLimited(tt.r, tt.max)
			switch {
			case tt.err == errAny:
				if err == nil {
					t.Fatal("no error")
				}
			case !errors.Is(err, tt.err):
				t.Fatalf("err = %v, want %v", err, tt.err)
			case err == nil && string(got) != tt.want:
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestLimitedBodyBoundaries(t *testing.T) {
	for _, n := range []int64{0, 1, 5, math.MaxInt64} {
		for _, size := range []int{0, 1, 5, 6} {
			t.Run(fmt.Sprintf("limit %d size %d", n, size), func(t *testing.T) {
				body := &limitedBody{rc: io.NopCloser(strings.NewReader(strings.Repeat("x", size))), n: n}
				got, err := io.ReadAll(body)
				if int64(size) > n {
					if !errors.Is(err, ErrResponseTooLarge) || int64(len(got)) != n {
						t.Fatalf("read %d bytes, err %v; want %d bytes and ErrResponseTooLarge", len(got), err, n)
					}
					return
				}
				if err != nil || len(got) != size {
					t.Fatalf("read %d bytes, err %v; want %d", len(got), err, size)
				}
			})
		}
	}
}
