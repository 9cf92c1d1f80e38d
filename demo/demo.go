// Package demo runs a living local federation: four nodes on this machine,
// each with its own database and queues, seeded with a believable world
// through the real outbox and federation paths.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/node"
	"github.com/archipel-social/archipel/store"
)

// Password of every demo account.
const Password = "archipel-demo"

// seededKey marks a node whose world is built.
const seededKey = "demo_seeded"

// Options of a demo run.
type Options struct {
	BasePort         int    // nodes listen on BasePort, BasePort+1, …
	AgentsPerNode    int    // ~50 makes a believable world
	Seed             uint64 // same seed, same world
	Reset            bool   // start from scratch
	DataDir          string
	AdminDatabaseURL string // where the demo creates its databases
	RedisURL         string
	// Prefix names the databases and queues (default "archipel_demo_");
	// tests use their own so that they never touch a running demo.
	Prefix string
	Out    io.Writer // progress and summary
	Log    *slog.Logger
}

// Node is one running demo node.
type Node struct {
	*node.Node
	Spec   nodeSpec
	URL    string
	server *http.Server
	stop   context.CancelFunc
	done   chan struct{}
}

// Federation is the running demo.
type Federation struct {
	Nodes  []*Node
	Logins []Login
}

// Login is a ready-to-use account.
type Login struct {
	Node, Username, Tier, Role string
}

// Start checks the machine, starts the four nodes and seeds them unless
// they already are. Stop the federation with Close.
func Start(ctx context.Context, o Options) (*Federation, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Prefix == "" {
		o.Prefix = "archipel_demo_"
	}
	listeners, err := reservePorts(o.BasePort, len(nodeSpecs))
	if err != nil {
		return nil, err
	}
	if err := ensureDatabases(ctx, o); err != nil {
		closeAll(listeners)
		return nil, err
	}
	f := &Federation{}
	for i, spec := range nodeSpecs {
		n, err := startNode(ctx, o, spec, listeners[i])
		if err != nil {
			f.Close()
			closeAll(listeners[i+1:])
			return nil, err
		}
		f.Nodes = append(f.Nodes, n)
	}
	seeded, _, err := f.Nodes[0].Store.Setting(ctx, seededKey)
	if err != nil {
		f.Close()
		return nil, err
	}
	if seeded != "true" {
		if err := f.seed(ctx, o); err != nil {
			f.Close()
			return nil, fmt.Errorf("seeding the demo: %w", err)
		}
	}
	f.Logins = logins()
	return f, nil
}

// Close stops every node cleanly.
func (f *Federation) Close() {
	for _, n := range f.Nodes {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = n.server.Shutdown(sctx)
		cancel()
		n.stop()
		<-n.done
		n.Node.Close()
	}
}

// reservePorts listens on base, base+1, …; base 0 takes free ports.
func reservePorts(base, n int) ([]net.Listener, error) {
	var out []net.Listener
	for i := range n {
		addr := "127.0.0.1:" + strconv.Itoa(base+i)
		if base == 0 {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll(out)
			return nil, fmt.Errorf("port %d is already in use (%v): stop what uses it, or choose other ports with --base-port", base+i, err)
		}
		out = append(out, ln)
	}
	return out, nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		l.Close()
	}
}

func dbName(o Options, spec nodeSpec) string { return o.Prefix + spec.Key }

// ensureDatabases creates the demo's databases (dropping them first with
// Reset). Only the demo's own databases (its prefix) are ever dropped.
func ensureDatabases(ctx context.Context, o Options) error {
	conn, err := pgx.Connect(ctx, o.AdminDatabaseURL)
	if err != nil {
		return fmt.Errorf("PostgreSQL is not reachable at %s (%v): start it with `make services`, or set ARCHIPEL_DATABASE_URL", o.AdminDatabaseURL, err)
	}
	defer conn.Close(ctx)
	rdb, err := node.ConnectRedis(ctx, o.RedisURL)
	if err != nil {
		return fmt.Errorf("%v: start Redis with `make services`", err)
	}
	rdb.Close()
	for _, spec := range nodeSpecs {
		name := dbName(o, spec)
		if o.Reset {
			if _, err := conn.Exec(ctx, "drop database if exists "+name+" with (force)"); err != nil {
				return err
			}
			_ = os.RemoveAll(filepath.Join(o.DataDir, spec.Key))
		}
		var exists bool
		if err := conn.QueryRow(ctx, `select exists (select 1 from pg_database where datname = $1)`, name).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if _, err := conn.Exec(ctx, "create database "+name); err != nil {
				return err
			}
		}
	}
	return nil
}

func databaseURL(admin, name string) (string, error) {
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&pool_max_conns=10", cfg.User, cfg.Host, cfg.Port, name), nil
}

func startNode(ctx context.Context, o Options, spec nodeSpec, ln net.Listener) (*Node, error) {
	port := ln.Addr().(*net.TCPAddr).Port
	dbURL, err := databaseURL(o.AdminDatabaseURL, dbName(o, spec))
	if err != nil {
		return nil, err
	}
	cfg := config.Config{
		Listen:                ln.Addr().String(),
		PublicURL:             "http://localhost:" + strconv.Itoa(port),
		DatabaseURL:           dbURL,
		RedisURL:              o.RedisURL,
		DataDir:               filepath.Join(o.DataDir, spec.Key),
		FederationMode:        config.ModeOpen,
		AllowPrivateAddresses: "127.0.0.0/8,::1/128",
		QueuePrefix:           o.Prefix + spec.Key,
	}
	if spec.Partner {
		cfg.FederationMode = config.ModeAllowlist
	}
	nd, err := node.Open(ctx, cfg, node.Options{ReconcileEvery: 2 * time.Second, Concurrency: 16}, o.Log.With("node", spec.Key))
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", spec.Key, err)
	}
	n := &Node{Node: nd, Spec: spec, URL: cfg.PublicURL, done: make(chan struct{})}
	n.server = &http.Server{Handler: nd.Web, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := n.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			o.Log.Error("demo node stopped", "node", spec.Key, "err", err)
		}
	}()
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	n.stop = stop
	go func() {
		defer close(n.done)
		if err := nd.RunWorker(wctx); err != nil {
			o.Log.Error("demo worker stopped", "node", spec.Key, "err", err)
		}
	}()
	return n, nil
}

// logins are the accounts the summary offers, one per tier.
func logins() []Login {
	return []Login{
		{Node: nodeSpecs[0].Key, Username: "admin", Tier: store.TierState, Role: store.RoleAdmin},
		{Node: nodeSpecs[0].Key, Username: agentUsername(0, 0), Tier: store.TierState, Role: store.RoleMember},
		{Node: nodeSpecs[1].Key, Username: "mairie_metz", Tier: store.TierPublic, Role: store.RoleMember},
		{Node: nodeSpecs[3].Key, Username: agentUsername(3, 0), Tier: store.TierPartner, Role: store.RoleMember},
	}
}

// Summary writes the nodes and logins.
func (f *Federation) Summary(w io.Writer) {
	fmt.Fprintln(w, "\nArchipel demo federation is running:")
	for _, n := range f.Nodes {
		mode := "open"
		if n.Spec.Partner {
			mode = "allowlist"
		}
		fmt.Fprintf(w, "  %-45s %s  (federation %s)\n", n.Spec.Name, n.URL, mode)
	}
	fmt.Fprintf(w, "\nLogins (password %q for all):\n", Password)
	for _, l := range f.Logins {
		for _, n := range f.Nodes {
			if n.Spec.Key == l.Node {
				fmt.Fprintf(w, "  %-8s %-12s %-24s on %s\n", l.Tier, l.Role, l.Username, n.URL)
			}
		}
	}
	fmt.Fprintln(w, "\nAPI tokens: archipel admin token create --username U --database-url postgres://postgres@127.0.0.1:5432/archipel_demo_<node>")
	fmt.Fprintln(w, "Press Ctrl-C to stop every node.")
}
