package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
)

// remoteActors are simulated peer nodes: M Person actors with RSA-2048
// keys spread over H hosts (listeners on distinct loopback addresses
// 127.0.0.2, 127.0.0.3, …), whose documents are served so that the node
// under test fetches and caches their keys as it would from real peers.
// Several hosts matter: the inbox rate-limits per remote host.
type remoteActors struct {
	bases   []string // http://127.0.0.x:port, one per host
	keys    []*rsa.PrivateKey
	docs    [][]byte
	servers []*http.Server
	fetches atomic.Int64
}

func newRemoteActors(ctx context.Context, m, hosts int) (*remoteActors, error) {
	if hosts < 1 || hosts > 250 {
		return nil, errors.New("--peer-hosts: between 1 and 250 (loopback addresses 127.0.0.2 to 127.0.0.251)")
	}
	r := &remoteActors{keys: make([]*rsa.PrivateKey, m), docs: make([][]byte, m)}
	var lns []net.Listener
	for h := range hosts {
		ln, err := net.Listen("tcp", "127.0.0."+strconv.Itoa(2+h)+":0")
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("simulated peer on 127.0.0.%d: %w", 2+h, err)
		}
		lns = append(lns, ln)
		r.bases = append(r.bases, "http://"+ln.Addr().String())
	}
	logf("generating %d RSA-2048 keys for the simulated actors on %d hosts", m, hosts)
	if err := parallel(ctx, m, func(i int) error {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			return err
		}
		uri := r.actorURI(i)
		doc, err := json.Marshal(map[string]any{
			"@context":          []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":                uri,
			"type":              "Person",
			"preferredUsername": "a" + strconv.Itoa(i),
			"inbox":             uri + "/inbox",
			"outbox":            uri + "/outbox",
			"followers":         uri + "/followers",
			"endpoints":         map[string]string{"sharedInbox": r.base(i) + "/inbox"},
			"publicKey": map[string]string{"id": r.keyID(i), "owner": uri,
				"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
		})
		if err != nil {
			return err
		}
		r.keys[i], r.docs[i] = k, doc
		return nil
	}); err != nil {
		for _, l := range lns {
			l.Close()
		}
		return nil, err
	}
	for _, ln := range lns {
		srv := &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		r.servers = append(r.servers, srv)
	}
	return r, nil
}

func (r *remoteActors) base(i int) string     { return r.bases[i%len(r.bases)] }
func (r *remoteActors) actorURI(i int) string { return r.base(i) + "/users/a" + strconv.Itoa(i) }
func (r *remoteActors) keyID(i int) string    { return r.actorURI(i) + "#main-key" }

func (r *remoteActors) serve(w http.ResponseWriter, req *http.Request) {
	name, ok := strings.CutPrefix(req.URL.Path, "/users/a")
	i, err := strconv.Atoi(name)
	if req.Method != http.MethodGet || !ok || err != nil || i < 0 || i >= len(r.docs) || "http://"+req.Host != r.base(i) {
		http.NotFound(w, req)
		return
	}
	r.fetches.Add(1)
	w.Header().Set("Content-Type", "application/activity+json")
	_, _ = w.Write(r.docs[i])
}

func (r *remoteActors) Close() {
	for _, srv := range r.servers {
		_ = srv.Close()
	}
}

// signedReq is a request signed before the timed phase: signing is the
// expensive part of sending (about 1 ms of CPU), and the load generator must
// not take the CPU the node needs.
type signedReq struct {
	body   []byte
	header http.Header
}

// presign signs n distinct activities (each with its own id, hence its own
// digest and signature), round-robin over the actors, on every core.
func (r *remoteActors) presign(ctx context.Context, inboxURL, run string, first, n int) ([]signedReq, error) {
	out := make([]signedReq, n)
	err := parallel(ctx, n, func(j int) error {
		i := first + j
		a := i % len(r.keys)
		actor := r.actorURI(a)
		body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + actor + `/likes/` + run + "-" + strconv.Itoa(i) +
			`","type":"Like","actor":"` + actor + `","object":"` + r.base(a) + `/notes/` + strconv.Itoa(i) +
			`","to":["` + actor + `/followers"],"cc":["https://www.w3.org/ns/activitystreams#Public"]}`)
		req, err := http.NewRequest(http.MethodPost, inboxURL, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/activity+json")
		req.Header.Set("Accept", "application/activity+json")
		if err := federation.SignRequest(req, body, r.keyID(a), r.keys[a]); err != nil {
			return err
		}
		out[j] = signedReq{body: body, header: req.Header}
		return nil
	})
	return out, err
}

// parallel runs fn(0..n-1) on GOMAXPROCS goroutines.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	return parallelN(ctx, n, runtime.GOMAXPROCS(0), fn)
}

// sender posts pre-signed requests to one inbox.
type sender struct {
	client   *http.Client
	inboxURL string
}

func newSender(inboxURL string, conns int) *sender {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns, // the default, 2, would reconnect all the time
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &sender{client: &http.Client{Transport: tr, Timeout: 60 * time.Second}, inboxURL: inboxURL}
}

// post sends one request and returns the status ("202", "401", or
// "transport") and, for a refusal, the start of the answer.
func (s *sender) post(ctx context.Context, sr *signedReq) (string, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.inboxURL, bytes.NewReader(sr.body))
	if err != nil {
		return "request", err.Error()
	}
	req.Header = sr.header
	resp, err := s.client.Do(req)
	if err != nil {
		return "transport", err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "202", ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return strconv.Itoa(resp.StatusCode), string(b)
}

// levelResult is one timed phase at one concurrency.
type levelResult struct {
	conc, sent, accepted int
	elapsed              time.Duration
	lat                  []time.Duration // of accepted requests, sorted
	errs                 map[string]int
	examples             map[string]string
	cpu                  cpuUse
	pool                 string
	stored               int64 // new rows in activities, -1 when unknown
	drained              time.Duration
	drainErr             string
	busyBefore           float64 // machine busy % just before the phase
}

// load sends reqs with conc senders, stopping early after maxDur if set.
func (s *sender) load(ctx context.Context, reqs []signedReq, conc int, maxDur time.Duration) levelResult {
	res := levelResult{conc: conc, errs: map[string]int{}, examples: map[string]string{}}
	lat := make([]time.Duration, len(reqs))
	status := make([]string, len(reqs))
	examples := make([]string, len(reqs))
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(reqs) || ctx.Err() != nil || (maxDur > 0 && time.Since(start) > maxDur) {
					return
				}
				t0 := time.Now()
				status[i], examples[i] = s.post(ctx, &reqs[i])
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	for i, st := range status {
		if st == "" {
			continue // not sent (stopped by --duration)
		}
		res.sent++
		if st == "202" {
			res.accepted++
			res.lat = append(res.lat, lat[i])
			continue
		}
		res.errs[st]++
		if _, ok := res.examples[st]; !ok {
			res.examples[st] = examples[i]
		}
	}
	slices.Sort(res.lat)
	return res
}

func runInbox(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("inbox", flag.ContinueOnError)
	var c common
	c.register(fs)
	target := fs.String("target", "", "base URL of an already running node (default: start one in-process); it must allow 127.0.0.0/8 and federate openly")
	actors := fs.Int("actors", 50, "simulated remote actors (each with its own RSA-2048 key)")
	peerHosts := fs.Int("peer-hosts", 10, "distinct remote hosts the actors are spread over (the inbox rate limit is per host)")
	fs.Float64Var(&c.inboxLimit, "inbox-limit", 0, "node.Options.InboxPerHost: the inbox rate limit per remote host, per second (0 = the production default, negative = none); in-process node only")
	concList := fs.String("concurrency", "16,64", "comma-separated numbers of concurrent senders; one timed phase each")
	requests := fs.Int("requests", 20000, "requests per timed phase (all pre-signed)")
	maxDur := fs.Duration("duration", 0, "stop a timed phase after this long even if requests remain (0 = send them all)")
	warmup := fs.Int("warmup", 1000, "untimed requests after the key fetches, to open connections and warm caches")
	worker := fs.Bool("worker", false, "run the node's worker during the load (processing competes for the CPU); in-process node only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var levels []int
	for f := range strings.SplitSeq(*concList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("--concurrency %q: want positive integers", *concList)
		}
		levels = append(levels, n)
	}
	if *actors <= 0 || *requests <= 0 {
		return errors.New("--actors and --requests must be positive")
	}
	if *target != "" && (*worker || c.inboxLimit != 0) {
		return errors.New("--worker and --inbox-limit only apply to the in-process node")
	}

	peer, err := newRemoteActors(ctx, *actors, *peerHosts)
	if err != nil {
		return err
	}
	defer peer.Close()

	var nd *benchNode
	base := strings.TrimRight(*target, "/")
	if base == "" {
		if nd, err = startNode(ctx, &c); err != nil {
			return err
		}
		defer nd.Close()
		base = nd.URL
		if *worker {
			nd.StartWorker()
		}
	}
	inboxURL := base + "/inbox"

	// Everything is signed now: key warm-up (one per actor), warm-up, then
	// each phase. The Date header is the current one (valid ±12 h).
	run := store.NewID()
	total := *actors + *warmup + *requests*len(levels)
	logf("pre-signing %d requests on %d cores", total, runtime.GOMAXPROCS(0))
	t0 := time.Now()
	all, err := peer.presign(ctx, inboxURL, run, 0, total)
	if err != nil {
		return err
	}
	signDur := time.Since(t0)
	logf("pre-signed %d requests in %s (%.0f/s)", total, signDur.Round(time.Millisecond), float64(total)/signDur.Seconds())

	maxConc := slices.Max(levels)
	s := newSender(inboxURL, maxConc)
	// Key warm-up: the node fetches each actor once, then answers from its cache.
	keyWarm := s.load(ctx, all[:*actors], min(8, *actors), 0)
	if keyWarm.accepted != *actors {
		return fmt.Errorf("key warm-up: %d of %d accepted; errors %s %v", keyWarm.accepted, *actors, statusCounts(keyWarm.errs), keyWarm.examples)
	}
	logf("key warm-up: %d actors fetched by the node (%d GETs)", *actors, peer.fetches.Load())
	all = all[*actors:]
	if *warmup > 0 {
		w := s.load(ctx, all[:*warmup], maxConc, 0)
		logf("warm-up: %d requests, %d accepted, %.0f/s", w.sent, w.accepted, float64(w.accepted)/w.elapsed.Seconds())
		all = all[*warmup:]
	}

	var results []levelResult
	for li, conc := range levels {
		reqs := all[li**requests : (li+1)**requests]
		runtime.GC()
		idle, _ := c.quiet.waitQuiet(ctx)
		before := int64(-1)
		if nd != nil {
			before = countActivities(ctx, nd)
		}
		ps := snapPool(nd)
		stopProf, err := profile(c.cpuProfile, "c"+strconv.Itoa(conc))
		if err != nil {
			return err
		}
		dbName := ""
		if nd != nil {
			dbName = nd.dbName
		}
		cs := snapCPU(dbName)
		logf("timed phase: %d requests, %d senders", len(reqs), conc)
		r := s.load(ctx, reqs, conc, *maxDur)
		r.cpu = cs.to(snapCPU(dbName))
		stopProf()
		r.pool = ps.since(nd)
		r.busyBefore = idle
		r.stored = -1
		if nd != nil {
			r.stored = countActivities(ctx, nd) - before
		}
		logf("c=%d: %d accepted in %s = %.0f/s, p50 %s ms, p99 %s ms, errors %s",
			conc, r.accepted, r.elapsed.Round(time.Millisecond), float64(r.accepted)/r.elapsed.Seconds(),
			ms(percentile(r.lat, .5)), ms(percentile(r.lat, .99)), statusCounts(r.errs))
		if *worker {
			// Let processing catch up before the next phase, and say how long it took.
			r.drained, r.drainErr = drain(ctx, nd, 90*time.Second)
			r.drained += r.elapsed
		}
		results = append(results, r)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}

	printInbox(os.Stdout, results, inboxSetup{target: *target, worker: *worker, actors: *actors, hosts: len(peer.bases), inboxLimit: c.inboxLimit, fetches: peer.fetches.Load(),
		presigned: total, signDur: signDur, workerConc: c.workerConc, bodyBytes: len(all[0].body), nd: nd})
	return nil
}

func countActivities(ctx context.Context, nd *benchNode) int64 {
	var n int64
	if err := nd.Pool.QueryRow(ctx, `select count(*) from activities where not local`).Scan(&n); err != nil {
		logf("count activities: %v", err)
		return -1
	}
	return n
}

// drain waits until the worker has processed every received activity.
func drain(ctx context.Context, nd *benchNode, limit time.Duration) (time.Duration, string) {
	start := time.Now()
	for {
		var n int64
		if err := nd.Pool.QueryRow(ctx, `select count(*) from activities where processed_at is null and not local`).Scan(&n); err != nil {
			return time.Since(start), err.Error()
		}
		if n == 0 {
			return time.Since(start), ""
		}
		if time.Since(start) > limit || ctx.Err() != nil {
			return time.Since(start), fmt.Sprintf("%d still unprocessed", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type inboxSetup struct {
	target     string
	worker     bool
	actors     int
	hosts      int
	inboxLimit float64
	fetches    int64
	presigned  int
	signDur    time.Duration
	workerConc int
	bodyBytes  int
	nd         *benchNode
}

func printInbox(w io.Writer, results []levelResult, s inboxSetup) {
	header(w, "Inbound: signed activities to the shared inbox")
	if s.target != "" {
		fmt.Fprintf(w, "- node: %s (already running)\n", s.target)
	} else {
		wk := "off (the inbox alone: verify, store, enqueue, 202)"
		if s.worker {
			conc := s.workerConc
			if conc == 0 {
				conc = 32
			}
			wk = fmt.Sprintf("on, concurrency %d (processing competes for the CPU)", conc)
		}
		fmt.Fprintf(w, "- node: in-process (node.Open + http.Server on loopback, production options), worker %s\n", wk)
	}
	if s.target == "" {
		limit := "production default (300/s per remote host, bursts of 3000)"
		if s.inboxLimit > 0 {
			limit = fmt.Sprintf("%.0f/s per remote host", s.inboxLimit)
		} else if s.inboxLimit < 0 {
			limit = "off"
		}
		fmt.Fprintf(w, "- inbox rate limit: %s\n", limit)
	}
	fmt.Fprintf(w, "- load: %d simulated actors with RSA-2048 keys on %d hosts (%d key fetches by the node), `Like` activities of %d bytes, "+
		"%d requests pre-signed in %s (%.0f/s) before timing, sent to `/inbox`\n",
		s.actors, s.hosts, s.fetches, s.bodyBytes, s.presigned, s.signDur.Round(time.Millisecond), float64(s.presigned)/s.signDur.Seconds())
	fmt.Fprintf(w, "\n| senders | requests | accepted | accepted/s | p50 ms | p90 ms | p99 ms | max ms | errors | stored rows |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		stored := "n/a"
		if r.stored >= 0 {
			stored = strconv.FormatInt(r.stored, 10)
		}
		fmt.Fprintf(w, "| %d | %d | %d | **%.0f** | %s | %s | **%s** | %s | %s | %s |\n", r.conc, r.sent, r.accepted,
			float64(r.accepted)/r.elapsed.Seconds(), ms(percentile(r.lat, .5)), ms(percentile(r.lat, .9)),
			ms(percentile(r.lat, .99)), ms(percentile(r.lat, 1)), statusCounts(r.errs), stored)
	}
	fmt.Fprintln(w)
	for _, r := range results {
		fmt.Fprintf(w, "- %d senders: machine %.0f%% busy just before; CPU %s", r.conc, r.busyBefore, r.cpu.perOp(r.accepted))
		fmt.Fprintf(w, "; PostgreSQL pool: %s", r.pool)
		if s.worker {
			fmt.Fprintf(w, "; all processed %s after the phase started (%.0f processed/s)", r.drained.Round(100*time.Millisecond),
				float64(r.stored)/r.drained.Seconds())
			if r.drainErr != "" {
				fmt.Fprintf(w, " (%s)", r.drainErr)
			}
		}
		fmt.Fprintln(w)
		for st, ex := range r.examples {
			fmt.Fprintf(w, "  - example %s: %s\n", st, strings.TrimSpace(ex))
		}
	}
	fmt.Fprintf(w, "- targets: ≥ 2,000 accepted/s with p99 < 50 ms\n")
}
