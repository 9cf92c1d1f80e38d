package testnet

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/node"
	"github.com/archipel-social/archipel/store"
)

// Node is one running test node.
type Node struct {
	*node.Node
	t    testing.TB
	URL  string // http://127.0.0.1:port, the node's public URL
	Host string
	// Bucket holds the node's files when it was started with Options.S3.
	Bucket     Bucket
	cfg        config.Config
	opts       Options
	server     *http.Server
	stopWorker context.CancelFunc
	workerDone chan struct{}
}

// Options adjust a test node.
type Options struct {
	FederationMode string // default open
	// NoWriteLimit lifts the per-account limit of API writes (tests that
	// call every route with one token).
	NoWriteLimit bool
	// NoWorker leaves the queue unprocessed (tests of the inbox alone).
	NoWorker bool
	// MaxUploadBytes lowers the file size limit (default 100 MiB).
	MaxUploadBytes int64
	// MediaMaxBytes lowers the picture size limit (default 16 MiB).
	MediaMaxBytes int64
	// RedisDB puts the node's queues in another Redis database, for tests
	// that flush Redis without disturbing the others.
	RedisDB int
	// MetricsAllow replaces the default networks allowed to read /metrics.
	MetricsAllow string
	// Identity sets sign-up, mail and single sign-on (default: open
	// sign-ups, mails written as files, passwords only).
	Identity config.Identity
	// S3 keeps the node's files in a new bucket of this server instead of
	// its data folder (Node.Bucket); StorageURL, when set, names the bucket
	// instead (e.g. a metered one, S3Server.Metered).
	S3         *S3Server
	StorageURL string
	// SignatureSchemes limits the signature schemes the node accepts
	// (ARCHIPEL_SIGNATURE_SCHEMES; default both), e.g. "cavage" for a peer
	// that does not speak RFC 9421.
	SignatureSchemes string
	// Instance is how the node presents itself to apps.
	Instance config.Instance
}

// FastDelivery retries within seconds, so that tests of outages finish.
var FastDelivery = federation.DeliveryPolicy{
	BaseDelay: 500 * time.Millisecond, MaxDelay: 2 * time.Second, GiveUpAfter: time.Hour,
	UnreachableAfter: 5, ProbeEvery: time.Second, Timeout: 5 * time.Second,
}

// FastPush retries Web Push within seconds.
var FastPush = mail.RetryPolicy{BaseDelay: 200 * time.Millisecond, MaxDelay: 2 * time.Second, GiveUpAfter: time.Hour}

// FastMail retries mail within seconds.
var FastMail = mail.RetryPolicy{BaseDelay: 200 * time.Millisecond, MaxDelay: 2 * time.Second, GiveUpAfter: time.Hour}

// StartNode starts one node on a free loopback port with a fresh database.
func StartNode(t testing.TB, opts Options) *Node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := config.Config{
		QueuePrefix:           "t" + store.NewID(),
		Listen:                ln.Addr().String(),
		PublicURL:             base,
		DatabaseURL:           NewDatabase(t),
		RedisURL:              redisURL(opts.RedisDB),
		DataDir:               t.TempDir(),
		FederationMode:        opts.FederationMode,
		AllowPrivateAddresses: "127.0.0.0/8",
		MaxUploadBytes:        opts.MaxUploadBytes,
		MediaMaxBytes:         opts.MediaMaxBytes,
		MetricsAllow:          opts.MetricsAllow,
		Identity:              opts.Identity,
		SignatureSchemes:      opts.SignatureSchemes,
		Instance:              opts.Instance,
	}
	if cfg.FederationMode == "" {
		cfg.FederationMode = config.ModeOpen
	}
	tn := &Node{t: t, URL: base, Host: ln.Addr().String(), cfg: cfg, opts: opts}
	if opts.S3 != nil {
		cfg.S3AccessKey, cfg.S3SecretKey = opts.S3.AccessKey, opts.S3.SecretKey
		cfg.StorageURL = opts.StorageURL
		if cfg.StorageURL == "" {
			tn.Bucket = opts.S3.NewBucket(t)
			cfg.StorageURL = tn.Bucket.URL
		}
		tn.cfg = cfg
	}
	tn.start(ln)
	t.Cleanup(tn.Stop)
	return tn
}

func (n *Node) start(ln net.Listener) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := node.Options{Delivery: FastDelivery, ReconcileEvery: time.Second, Concurrency: 8, Mail: FastMail, Push: FastPush}
	if n.opts.NoWriteLimit {
		opts.WritesPerAccount = -1
	}
	nd, err := node.Open(ctx, n.cfg, opts, testLogger())
	if err != nil {
		ln.Close()
		n.t.Fatalf("start node: %v", err)
	}
	n.Node = nd
	n.server = &http.Server{Handler: nd.Web, ReadHeaderTimeout: 10 * time.Second}
	n.server.RegisterOnShutdown(nd.Streams.Close)
	go func() { _ = n.server.Serve(ln) }()
	wctx, stop := context.WithCancel(context.Background())
	n.stopWorker, n.workerDone = stop, make(chan struct{})
	if n.opts.NoWorker {
		close(n.workerDone)
		return
	}
	go func() {
		defer close(n.workerDone)
		if err := nd.RunWorker(wctx); err != nil {
			n.t.Errorf("worker of %s: %v", n.Host, err)
		}
	}()
}

// Stop shuts the node down (its database stays); safe to call twice.
func (n *Node) Stop() {
	if n.server == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = n.server.Shutdown(ctx)
	n.stopWorker()
	<-n.workerDone
	n.server = nil
	n.Node.Close()
}

// Restart starts a stopped node again on the same address and database.
func (n *Node) Restart() {
	n.t.Helper()
	var ln net.Listener
	var err error
	// The port was just released; another test may race for it, rarely.
	for range 50 {
		if ln, err = net.Listen("tcp", n.Host); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		n.t.Fatalf("restart %s: %v", n.Host, err)
	}
	n.start(ln)
}

// testLogger is quiet unless ARCHIPEL_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("ARCHIPEL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// T is the test the node belongs to.
func (n *Node) T() testing.TB { return n.t }

func redisURL(db int) string {
	if db == 0 {
		return RedisURL()
	}
	return strings.TrimRight(strings.TrimSuffix(RedisURL(), "/0"), "/") + "/" + strconv.Itoa(db)
}
