package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/archipel-social/archipel/demo"
)

func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: archipel demo [flags]

Starts a local federation of four nodes (three regional State nodes and a
partner association's node in allowlist mode), seeds it through the real
federation paths the first time, prints each node's URL and logins, and runs
until Ctrl-C.

Flags:
`)
		fs.PrintDefaults()
	}
	o := demo.Options{Out: os.Stderr}
	fs.BoolVar(&o.Reset, "reset", false, "start from scratch (drops the demo's own databases and files)")
	fs.IntVar(&o.BasePort, "base-port", 8081, "the nodes listen on this port and the three after it")
	fs.IntVar(&o.AgentsPerNode, "agents", 50, "agents per node")
	fs.Uint64Var(&o.Seed, "seed", 2026, "random seed: the same seed builds the same world")
	fs.StringVar(&o.DataDir, "data-dir", envOr("ARCHIPEL_DATA_DIR", "./data")+"/demo", "folder for the nodes' files")
	fs.StringVar(&o.AdminDatabaseURL, "database-url", envOr("ARCHIPEL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL where the demo creates its databases (archipel_demo_*)")
	fs.StringVar(&o.RedisURL, "redis-url", envOr("ARCHIPEL_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis for the queues")
	verbose := fs.Bool("verbose", false, "log the nodes' activity")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *verbose {
		o.Log = newLogger(os.Stderr, slog.LevelInfo)
	}
	start := time.Now()
	f, err := demo.Start(ctx, o)
	if err != nil {
		return err
	}
	defer f.Close()
	f.Summary(os.Stdout)
	fmt.Fprintf(os.Stderr, "(ready in %s)\n", time.Since(start).Round(time.Second))
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "stopping the demo nodes…")
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
