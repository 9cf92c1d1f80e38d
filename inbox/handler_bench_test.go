package inbox_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/testnet"
)

// benchPeer simulates remote actors with RSA-2048 keys, each on its own
// host (a listener on 127.0.0.2, 127.0.0.3, …: the inbox rate limit is per
// host), so that the node under test fetches their keys once and then
// answers from its cache, as with real peers.
type benchPeer struct {
	srvs []*httptest.Server
	keys []*rsa.PrivateKey
}

func newBenchPeer(b *testing.B, actors int) *benchPeer {
	b.Helper()
	p := &benchPeer{keys: make([]*rsa.PrivateKey, actors)}
	docs := make([][]byte, actors)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/users/a"))
		if err != nil || i < 0 || i >= len(docs) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		_, _ = w.Write(docs[i])
	})
	for i := range actors {
		ln, err := net.Listen("tcp", "127.0.0."+strconv.Itoa(2+i)+":0")
		if err != nil {
			b.Skipf("cannot listen on 127.0.0.%d: %v", 2+i, err)
		}
		srv := httptest.NewUnstartedServer(handler)
		srv.Listener.Close()
		srv.Listener = ln
		srv.Start()
		b.Cleanup(srv.Close)
		p.srvs = append(p.srvs, srv)
	}
	for i := range p.keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			b.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			b.Fatal(err)
		}
		uri := p.actor(i)
		docs[i], err = json.Marshal(map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": uri, "type": "Person",
			"preferredUsername": "a" + strconv.Itoa(i), "inbox": uri + "/inbox",
			"publicKey": map[string]string{"id": uri + "#main-key", "owner": uri,
				"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
		})
		if err != nil {
			b.Fatal(err)
		}
		p.keys[i] = k
	}
	return p
}

func (p *benchPeer) actor(i int) string { return p.srvs[i].URL + "/users/a" + strconv.Itoa(i) }

// benchSeq makes every activity id unique across sub-benchmarks and rounds.
var benchSeq atomic.Int64

type benchReq struct {
	body   []byte
	header http.Header
}

// presign signs n distinct Like activities to inboxURL, on every core.
// Signing (about 1 ms each) happens before the timer starts.
func (p *benchPeer) presign(b *testing.B, inboxURL string, n int) []benchReq {
	b.Helper()
	out := make([]benchReq, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j := int(next.Add(1) - 1)
				if j >= n {
					return
				}
				a := j % len(p.keys)
				actor := p.actor(a)
				seq := strconv.FormatInt(benchSeq.Add(1), 10)
				body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + actor + `/likes/` + seq +
					`","type":"Like","actor":"` + actor + `","object":"` + p.srvs[a].URL + `/notes/` + seq + `"}`)
				req, err := http.NewRequest(http.MethodPost, inboxURL, nil)
				if err == nil {
					req.Header.Set("Content-Type", "application/activity+json")
					err = federation.SignRequest(req, body, actor+"#main-key", p.keys[a])
				}
				if err != nil {
					failed.Store(err)
					return
				}
				out[j] = benchReq{body: body, header: req.Header}
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	return out
}

// BenchmarkInboxAccept measures the HTTP accept path of the shared inbox:
// routing and middleware, signature verification (key from the node's
// cache in PostgreSQL), storing the activity, enqueueing its processing in
// Redis, 202. The worker is off: processing is not measured. The 8 actors
// are on 8 hosts, so the per-host rate limit (300/s) does not bind.
//
//   - handler: one request at a time through the node's http.Handler,
//     without the network;
//   - loopback16: 16 concurrent clients over loopback HTTP to the node's
//     listener.
func BenchmarkInboxAccept(b *testing.B) {
	n := testnet.StartNode(b, testnet.Options{NoWorker: true})
	peer := newBenchPeer(b, 8)
	inboxURL := n.URL + "/inbox"

	// Key warm-up: one accepted activity per actor.
	for _, r := range peer.presign(b, inboxURL, len(peer.keys)) {
		if code := serveOne(n, inboxURL, r); code != http.StatusAccepted {
			b.Fatalf("warm-up: status %d", code)
		}
	}

	b.Run("handler", func(b *testing.B) {
		reqs := peer.presign(b, inboxURL, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if code := serveOne(n, inboxURL, reqs[i]); code != http.StatusAccepted {
				b.Fatalf("status %d", code)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accepted/s")
	})

	b.Run("loopback16", func(b *testing.B) {
		reqs := peer.presign(b, inboxURL, b.N)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true}}
		defer client.CloseIdleConnections()
		var next atomic.Int64
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := reqs[next.Add(1)-1]
				req, err := http.NewRequest(http.MethodPost, inboxURL, bytes.NewReader(r.body))
				if err != nil {
					b.Error(err)
					return
				}
				req.Header = r.header
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accepted/s")
	})
}

// serveOne passes a pre-signed request through the node's handler.
func serveOne(n *testnet.Node, inboxURL string, r benchReq) int {
	req := httptest.NewRequest(http.MethodPost, inboxURL, bytes.NewReader(r.body))
	req.Header = r.header
	req.RemoteAddr = "127.0.0.1:40000"
	w := httptest.NewRecorder()
	n.Web.ServeHTTP(w, req)
	return w.Code
}
