package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/migrations"
	"github.com/archipel-social/archipel/node"
	"github.com/archipel-social/archipel/store"
)

// shutdownGrace is how long in-flight requests get when the server stops.
const shutdownGrace = 10 * time.Second

func flags(name, summary string, args []string) (*config.Config, *flag.FlagSet, error) {
	var cfg config.Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: archipel %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	cfg.Register(fs)
	return &cfg, fs, nil
}

func serve(ctx context.Context, args []string) error {
	cfg, fs, _ := flags("serve", "Runs the node's HTTP server: pages, client API, ActivityPub inbox and outbox.", args)
	verbose := fs.Bool("verbose", os.Getenv("ARCHIPEL_VERBOSE") != "", "log every request (env ARCHIPEL_VERBOSE)")
	runWorker, err := envBool("ARCHIPEL_WORKER", true)
	if err != nil {
		return err
	}
	embedded := fs.Bool("worker", runWorker, "also run the queue worker in this process; false to scale out with separate \"archipel worker\" processes (env ARCHIPEL_WORKER)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	log := newLogger(os.Stderr, logLevel(*verbose))
	n, err := node.Open(ctx, *cfg, node.Options{}, log)
	if err != nil {
		return err
	}
	defer n.Close()
	workerDone := make(chan error, 1)
	wctx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	if *embedded {
		go func() { workerDone <- n.RunWorker(wctx) }()
	} else {
		close(workerDone)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another node running? choose another --listen)", cfg.Listen, err)
	}
	srv := &http.Server{Handler: n.Web, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	// Open streams end at shutdown (Shutdown waits for no hijacked
	// WebSocket, and for server-sent events only until the grace ends).
	srv.RegisterOnShutdown(n.Streams.Close)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Start-up (migrations, parsing every template, the worker's first
	// reconcile) leaves garbage that the heap keeps as its growth target and
	// the runtime gives back to the system only slowly: collecting and
	// returning it once, when the node is up, is what brings an idle node
	// from about 60 to under 40 MiB of resident memory (issue 18; measured
	// in BENCHMARKS.md). GOMEMLIMIT and GOGC still apply as usual.
	time.AfterFunc(3*time.Second, debug.FreeOSMemory)
	log.Info("archipel serving", "listen", ln.Addr().String(), "public_url", cfg.PublicURL, "federation_mode", cfg.FederationMode)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	stopWorker()
	if err := <-workerDone; err != nil {
		return err
	}
	return nil
}

// envBool reads a boolean environment twin of a flag.
func envBool(name string, def bool) (bool, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}

func logLevel(verbose bool) slog.Level {
	if verbose {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

func worker(ctx context.Context, args []string) error {
	cfg, fs, _ := flags("worker", "Runs the queue worker only: deliveries to peers, processing of received activities, and the reconciler.", args)
	verbose := fs.Bool("verbose", os.Getenv("ARCHIPEL_VERBOSE") != "", "log at debug level (env ARCHIPEL_VERBOSE)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	log := newLogger(os.Stderr, logLevel(*verbose))
	n, err := node.Open(ctx, *cfg, node.Options{}, log)
	if err != nil {
		return err
	}
	defer n.Close()
	log.Info("archipel worker running", "queue_prefix", cfg.QueuePrefix)
	return n.RunWorker(ctx)
}

func migrate(ctx context.Context, args []string) error {
	cfg, fs, _ := flags("migrate", "Applies the database migrations and prints the schema version.", args)
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	pool, err := store.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	v, err := migrations.Apply(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Println(v)
	return nil
}

// flagErr turns -h into a clean exit.
func flagErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	return err
}
