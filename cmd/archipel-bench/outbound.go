package main

import (
	"context"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/inbox"
	"github.com/archipel-social/archipel/keys"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// sink is the remote side of outbound deliveries: H hosts (listeners on
// distinct loopback addresses 127.0.0.2, 127.0.0.3, …, so that each is a
// distinct peer host for the node) that answer 202 to every POST and check
// the signature of a sample.
type sink struct {
	hosts   []string
	servers []*http.Server

	posts       atomic.Int64
	verifyEvery int64
	verified    atomic.Int64
	badSigs     atomic.Int64
	mu          sync.Mutex
	firstBad    string

	keys map[string]trustedKey // by key id: the local signers the sink knows
}

func newSink(hosts int, verifyEvery int) (*sink, error) {
	if hosts < 1 || hosts > 250 {
		return nil, errors.New("--hosts: between 1 and 250 (loopback addresses 127.0.0.2 to 127.0.0.251)")
	}
	s := &sink{verifyEvery: int64(verifyEvery)}
	for h := range hosts {
		ln, err := net.Listen("tcp", "127.0.0."+strconv.Itoa(2+h)+":0")
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("sink on 127.0.0.%d: %w", 2+h, err)
		}
		srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		s.hosts = append(s.hosts, ln.Addr().String())
		s.servers = append(s.servers, srv)
	}
	return s, nil
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	n := s.posts.Add(1)
	if s.verifyEvery > 0 && n%s.verifyEvery == 0 {
		body, err := io.ReadAll(io.LimitReader(r.Body, inbox.MaxBodyBytes))
		if err == nil {
			_, err = federation.VerifyRequest(r.Context(), r, body, s, time.Now())
		}
		if err != nil {
			s.badSigs.Add(1)
			s.mu.Lock()
			if s.firstBad == "" {
				s.firstBad = err.Error()
			}
			s.mu.Unlock()
		} else {
			s.verified.Add(1)
		}
	} else {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	w.WriteHeader(http.StatusAccepted)
}

// ResolveKey makes the sink a federation.KeyResolver knowing the author's key.
func (s *sink) ResolveKey(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	k, ok := s.keys[keyID]
	if !ok {
		return nil, "", fmt.Errorf("unknown key %s", keyID)
	}
	return k.pub, k.owner, nil
}

// trust makes the sink verify signatures with a local signer's key (call
// it before the sink is used).
func (s *sink) trust(author *store.Actor) error {
	pub, err := keys.ParsePublicKey(author.PublicKeyPEM)
	if err != nil {
		return err
	}
	if s.keys == nil {
		s.keys = map[string]trustedKey{}
	}
	s.keys[author.PublicKeyID] = trustedKey{author.URI, pub}
	if author.Ed25519KeyID != "" {
		edPub, err := keys.ParseEd25519Multibase(author.Ed25519PublicKey)
		if err != nil {
			return err
		}
		s.keys[author.Ed25519KeyID] = trustedKey{author.URI, edPub}
	}
	return nil
}

type trustedKey struct {
	owner string
	pub   crypto.PublicKey
}

func (s *sink) Close() {
	for _, srv := range s.servers {
		_ = srv.Close()
	}
}

// signCost is the CPU cost of signing one delivery, measured on one core.
type signCost struct {
	signerFor   time.Duration // federation.SignerFor: parse the PEM private key (done per delivery)
	signRequest time.Duration // federation.SignMessage of the activity, with the run's key
}

func measureSignCost(ctx context.Context, author *store.Actor, keyType string, body []byte, inboxURL string, d time.Duration) (signCost, error) {
	var c signCost
	signer, err := federation.SignerFor(author)
	if err != nil {
		return c, err
	}
	loop := func(fn func() error) (time.Duration, error) {
		n := 0
		start := time.Now()
		for time.Since(start) < d && ctx.Err() == nil {
			if err := fn(); err != nil {
				return 0, err
			}
			n++
		}
		return time.Since(start) / time.Duration(max(n, 1)), ctx.Err()
	}
	if c.signerFor, err = loop(func() error { _, err := federation.SignerFor(author); return err }); err != nil {
		return c, err
	}
	c.signRequest, err = loop(func() error {
		req, err := http.NewRequest(http.MethodPost, inboxURL, nil)
		if err != nil {
			return err
		}
		if keyType == keyEd25519 {
			return federation.SignMessage(req, body, signer.Ed25519KeyID, signer.Ed25519)
		}
		return federation.SignMessage(req, body, signer.KeyID, signer.Key)
	})
	return c, err
}

type outboundResult struct {
	key                                 string
	followers, hosts, notes, workerConc int
	createDur                           time.Duration
	deliveries                          int64 // expected
	done, pending, failed, dead         int64
	sinkPosts                           int64
	firstPost                           time.Duration // after the worker started
	elapsed                             time.Duration // worker start → all done
	steadyRate                          float64       // between 10 % and 90 % of the sink count
	cpu                                 cpuUse
	pool                                string
	rsa                                 rawRSA
	sign                                signCost
	verified, badSigs                   int64
	firstBad                            string
	timedOut                            bool
	busyBefore                          float64
}

func runOutbound(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("outbound", flag.ContinueOnError)
	var c common
	c.register(fs)
	followers := fs.Int("followers", 100, "remote followers, each with its own shared inbox URL on the sink (one delivery each per note)")
	hosts := fs.Int("hosts", 100, "distinct sink hosts (loopback addresses) the followers are spread over; 1 = all on one host")
	notes := fs.Int("notes", 200, "notes the local user posts (deliveries = notes × followers)")
	creators := fs.Int("creators", 4, "goroutines posting the notes (before the worker starts)")
	timeout := fs.Duration("timeout", 100*time.Second, "give up waiting for the deliveries after this long")
	verifyEvery := fs.Int("verify-every", 100, "the sink verifies the signature of every Nth POST (0 = never)")
	rsaDur := fs.Duration("rsa-duration", time.Second, "how long each of the three trials of each raw RSA measurement signs")
	keyTypes := fs.String("key", "rsa,ed25519", "key the deliveries are signed with (RFC 9421): rsa, ed25519, or both comma-separated, run one after the other and reported side by side")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *followers <= 0 || *notes <= 0 || *creators <= 0 {
		return errors.New("--followers, --notes and --creators must be positive")
	}
	var results []outboundResult
	for kt := range strings.SplitSeq(*keyTypes, ",") {
		kt = strings.TrimSpace(kt)
		if kt != keyRSA && kt != keyEd25519 {
			return fmt.Errorf("--key %q: want rsa or ed25519", kt)
		}
		res, err := runOutboundKey(ctx, &c, outboundParams{followers: *followers, hosts: *hosts, notes: *notes, creators: *creators,
			timeout: *timeout, verifyEvery: *verifyEvery, rsaDur: *rsaDur, key: kt})
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	if len(results) > 1 {
		printKeyComparison(os.Stdout, results)
	}
	return nil
}

// Key types of the deliveries' signatures.
const (
	keyRSA     = "rsa"
	keyEd25519 = "ed25519"
)

type outboundParams struct {
	followers, hosts, notes, creators, verifyEvery int
	timeout, rsaDur                                time.Duration
	key                                            string
}

// runOutboundKey is one outbound run, on its own node, with deliveries
// signed by the key type p.key: for ed25519 the sink hosts are recorded as
// publishing Ed25519 keys, as an Archipel peer's are once one of its actors
// was fetched.
func runOutboundKey(ctx context.Context, c *common, p outboundParams) (outboundResult, error) {
	sk, err := newSink(p.hosts, p.verifyEvery)
	if err != nil {
		return outboundResult{}, err
	}
	defer sk.Close()
	nd, err := startNode(ctx, c)
	if err != nil {
		return outboundResult{}, err
	}
	defer nd.Close()

	_, author, err := nd.Accounts.Register(ctx, accounts.Registration{Username: "bench", Email: "bench@example.gouv.fr",
		Password: "password-bench", Tier: store.TierState})
	if err != nil {
		return outboundResult{}, fmt.Errorf("register the local user: %w", err)
	}
	if err := sk.trust(author); err != nil {
		return outboundResult{}, err
	}
	if p.key == keyEd25519 {
		for _, h := range sk.hosts {
			if err := nd.Store.SetHostEd25519(ctx, h); err != nil {
				return outboundResult{}, err
			}
		}
	}

	logf("inserting %d remote followers over %d sink hosts", p.followers, len(sk.hosts))
	for i := range p.followers {
		host := sk.hosts[i%len(sk.hosts)]
		name := "f" + strconv.Itoa(i)
		uri := "http://" + host + "/users/" + name
		a, err := nd.Store.UpsertRemoteActor(ctx, &store.Actor{URI: uri, Type: store.TypePerson, Username: name, Host: host,
			Inbox: uri + "/inbox", Outbox: uri + "/outbox", Followers: uri + "/followers", URL: uri,
			SharedInbox: "http://" + host + "/inbox/" + name})
		if err != nil {
			return outboundResult{}, err
		}
		if err := nd.Store.SetFollow(ctx, &store.Follow{FollowerID: a.ID, FolloweeID: author.ID, State: store.FollowAccepted,
			ActivityURI: uri + "/follows/1"}); err != nil {
			return outboundResult{}, err
		}
	}

	// The notes, with the worker off: the outbox stores each note, its
	// Create and one delivery per follower inbox, and enqueues them.
	logf("posting %d notes with %d goroutines (worker off)", p.notes, p.creators)
	t0 := time.Now()
	if err := parallelN(ctx, p.notes, p.creators, func(i int) error {
		_, err := nd.Outbox.CreateNote(ctx, author, outbox.NewNote{Text: fmt.Sprintf("Note de charge n°%d : réunion du réseau urbanisme jeudi à 14h, salle 3. "+
			"Ordre du jour : retours d'expérience sur les marchés publics, partage des outils, questions diverses.", i), Visibility: store.ObjPublic})
		return err
	}); err != nil {
		return outboundResult{}, fmt.Errorf("create notes: %w", err)
	}
	res := outboundResult{key: p.key, followers: p.followers, hosts: len(sk.hosts), notes: p.notes, createDur: time.Since(t0),
		workerConc: c.workerConc}
	if err := nd.Pool.QueryRow(ctx, `select count(*) from deliveries`).Scan(&res.deliveries); err != nil {
		return outboundResult{}, err
	}
	logf("%d notes → %d deliveries created in %s", p.notes, res.deliveries, res.createDur.Round(time.Millisecond))
	if res.deliveries != int64(p.notes*p.followers) {
		return outboundResult{}, fmt.Errorf("%d deliveries, want %d: grouping is not by inbox URL?", res.deliveries, p.notes*p.followers)
	}

	// The machine's raw signing rate and the per-delivery signing cost,
	// measured now, in the same run, with nothing else running.
	c.quiet.waitQuiet(ctx)
	if res.rsa, err = measureRSA(ctx, p.rsaDur); err != nil {
		return outboundResult{}, err
	}
	var sample []byte
	if err := nd.Pool.QueryRow(ctx, `select raw from activities where local limit 1`).Scan(&sample); err != nil {
		return outboundResult{}, err
	}
	if res.sign, err = measureSignCost(ctx, author, p.key, sample, "http://"+sk.hosts[0]+"/inbox/f0", time.Second); err != nil {
		return outboundResult{}, err
	}
	logf("raw RSA: %s; per delivery (%s): SignerFor %s + SignMessage %s", res.rsa, p.key, res.sign.signerFor, res.sign.signRequest)

	runtime.GC()
	res.busyBefore, _ = c.quiet.waitQuiet(ctx)
	ps := snapPool(nd)
	stopProf, err := profile(c.cpuProfile, "")
	if err != nil {
		return outboundResult{}, err
	}
	cs := snapCPU(nd.dbName)
	start := time.Now()
	nd.StartWorker()
	total := res.deliveries
	var t10, t90 time.Time
	var n10, n90 int64
	deadline := start.Add(p.timeout)
	for ctx.Err() == nil {
		n := sk.posts.Load()
		now := time.Now()
		if res.firstPost == 0 && n > 0 {
			res.firstPost = now.Sub(start)
		}
		if t10.IsZero() && n >= total/10 {
			t10, n10 = now, n
		}
		if t90.IsZero() && n >= total*9/10 {
			t90, n90 = now, n
		}
		if n >= total {
			if err := nd.Pool.QueryRow(ctx, `select count(*) from deliveries where state = 'done'`).Scan(&res.done); err != nil {
				return outboundResult{}, err
			}
			if res.done >= total {
				break
			}
		}
		if now.After(deadline) {
			res.timedOut = true
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.elapsed = time.Since(start)
	res.cpu = cs.to(snapCPU(nd.dbName))
	stopProf()
	res.pool = ps.since(nd)
	if !t90.IsZero() && t90.After(t10) {
		res.steadyRate = float64(n90-n10) / t90.Sub(t10).Seconds()
	}
	if err := nd.StopWorker(); err != nil {
		logf("worker: %v", err)
	}
	res.sinkPosts = sk.posts.Load()
	res.verified, res.badSigs, res.firstBad = sk.verified.Load(), sk.badSigs.Load(), sk.firstBad
	counts, err := nd.Store.CountDeliveries(context.WithoutCancel(ctx))
	if err != nil {
		return outboundResult{}, err
	}
	res.done, res.pending, res.failed, res.dead = counts[store.DeliveryDone], counts[store.DeliveryPending], counts[store.DeliveryFailed], counts[store.DeliveryDead]
	logf("%d deliveries done in %s (%.0f/s; steady %.0f/s)", res.done, res.elapsed.Round(time.Millisecond),
		float64(res.done)/res.elapsed.Seconds(), res.steadyRate)
	printOutbound(os.Stdout, res)
	return res, ctx.Err()
}

// printKeyComparison puts the runs' delivery rates side by side.
func printKeyComparison(w io.Writer, rs []outboundResult) {
	header(w, "Outbound by key type (RFC 9421 signatures)")
	fmt.Fprintf(w, "\n| key | deliveries/s, whole run | steady 10→90 %% | signing per delivery, 1 core | CPU per delivery |\n|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(w, "| %s | **%.0f** | %.0f | %.0f µs | %s |\n", r.key, float64(r.done)/r.elapsed.Seconds(), r.steadyRate,
			us(r.sign.signerFor+r.sign.signRequest), r.cpu.perOp(int(r.done)))
	}
}

// parallelN runs fn(0..n-1) on g goroutines.
func parallelN(ctx context.Context, n, g int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, g)
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	return ctx.Err()
}

func printOutbound(w io.Writer, r outboundResult) {
	header(w, "Outbound: deliveries by the worker to a local sink")
	conc := r.workerConc
	if conc == 0 {
		conc = 32
	}
	fmt.Fprintf(w, "- node: in-process, production delivery policy, worker concurrency %d; %s\n", conc, r.pool)
	fmt.Fprintf(w, "- fan-out: %d notes × %d followers (each its own shared-inbox URL) on %d sink hosts = %d deliveries; "+
		"notes created before the worker started, in %s (%.0f deliveries created/s)\n",
		r.notes, r.followers, r.hosts, r.deliveries, r.createDur.Round(time.Millisecond), float64(r.deliveries)/r.createDur.Seconds())
	fmt.Fprintf(w, "- sink: %d POSTs, %d signatures verified (sample), %d bad", r.sinkPosts, r.verified, r.badSigs)
	if r.firstBad != "" {
		fmt.Fprintf(w, " (first: %s)", r.firstBad)
	}
	fmt.Fprintln(w)
	rate := float64(r.done) / r.elapsed.Seconds()
	signPath := r.sign.signerFor + r.sign.signRequest
	rawUS := 1e6 / r.rsa.oneCore
	fmt.Fprintf(w, "\n| measure | value |\n|---|---|\n")
	fmt.Fprintf(w, "| deliveries done / pending / failed / dead | %d / %d / %d / %d%s |\n", r.done, r.pending, r.failed, r.dead,
		map[bool]string{true: " (timed out)", false: ""}[r.timedOut])
	fmt.Fprintf(w, "| worker start → all done | %s (first POST after %s) |\n", r.elapsed.Round(time.Millisecond), r.firstPost.Round(time.Millisecond))
	fmt.Fprintf(w, "| **deliveries/s, whole run** | **%.0f** |\n", rate)
	fmt.Fprintf(w, "| deliveries/s, steady (10 %%→90 %% of the POSTs) | %.0f |\n", r.steadyRate)
	fmt.Fprintf(w, "| raw RSA-2048 sign rate, 1 core | %.0f/s (%.0f µs) |\n", r.rsa.oneCore, rawUS)
	fmt.Fprintf(w, "| raw RSA-2048 sign rate, %d cores | %.0f/s (%.2f× one core) |\n", r.rsa.cores, r.rsa.allCores, r.rsa.allCores/r.rsa.oneCore)
	fmt.Fprintf(w, "| **outbound / raw all-core sign rate** | **%.0f %%** (steady %.0f %%; target ≥ 80 %%) |\n",
		100*rate/r.rsa.allCores, 100*r.steadyRate/r.rsa.allCores)
	fmt.Fprintf(w, "| signing per delivery, 1 core: SignerFor (PEM parse) + SignMessage (RFC 9421, the run's key) | %.0f + %.0f = %.0f µs = %.2f× a raw signature |\n",
		us(r.sign.signerFor), us(r.sign.signRequest), us(signPath), us(signPath)/rawUS)
	fmt.Fprintf(w, "| CPU per delivery | machine %.0f%% busy just before; %s |\n", r.busyBefore, r.cpu.perOp(int(r.done)))
	if r.done > 0 {
		fmt.Fprintf(w, "| signing share of the CPU per delivery | %.0f %% |\n", 100*float64(signPath)/(float64(r.cpu.ours())/float64(r.done)))
	}
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }
