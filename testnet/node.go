package testnet

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/node"
)

// Node is one running test node.
type Node struct {
	*node.Node
	t      testing.TB
	URL    string // http://127.0.0.1:port, the node's public URL
	Host   string
	server *http.Server
	ln     net.Listener
}

// Options adjust a test node.
type Options struct {
	FederationMode string // default open
}

// StartNode starts one node on a free loopback port with a fresh database.
func StartNode(t testing.TB, opts Options) *Node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := config.Config{
		Listen:                ln.Addr().String(),
		PublicURL:             base,
		DatabaseURL:           NewDatabase(t),
		RedisURL:              RedisURL(),
		DataDir:               t.TempDir(),
		FederationMode:        opts.FederationMode,
		AllowPrivateAddresses: "127.0.0.0/8",
	}
	if cfg.FederationMode == "" {
		cfg.FederationMode = config.ModeOpen
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, err := node.Open(ctx, cfg, testLogger())
	if err != nil {
		ln.Close()
		t.Fatalf("start node: %v", err)
	}
	tn := &Node{Node: n, t: t, URL: base, Host: ln.Addr().String(), ln: ln}
	tn.server = &http.Server{Handler: n.Web, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = tn.server.Serve(ln) }()
	t.Cleanup(tn.Stop)
	return tn
}

// Stop shuts the node down; safe to call twice.
func (n *Node) Stop() {
	if n.server == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = n.server.Shutdown(ctx)
	n.server = nil
	n.Node.Close()
}

// testLogger is quiet unless ARCHIPEL_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("ARCHIPEL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
