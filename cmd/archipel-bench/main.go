// Command archipel-bench is Archipel's load generator. It measures what a
// node accepts and sends, over HTTP, against a real node: the same
// node.Open, HTTP server, PostgreSQL and Redis queue as production.
//
//	go run ./cmd/archipel-bench inbox    [flags]   signed activities from simulated remote actors
//	go run ./cmd/archipel-bench outbound [flags]   deliveries from the real worker to a local sink
//	go run ./cmd/archipel-bench rsa      [flags]   the machine's raw RSA-2048 signing rate only
//	go run ./cmd/archipel-bench fanout   [flags]   time from a post to its last delivery (large group, many followers)
//	go run ./cmd/archipel-bench scale    [flags]   a seeded node's read paths (timelines, search) at 100k/1M posts
//
// By default it starts its own node in-process, on a throw-away PostgreSQL
// database (dropped at the end) and a unique queue prefix in Redis (its keys
// removed at the end). The inbox load can also target an already running
// node with --target (which must allow 127.0.0.0/8 and federate openly, so
// that it can fetch the simulated actors' keys).
//
// It prints a summary in Markdown, ready to paste in BENCHMARKS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func usage() {
	fmt.Fprint(os.Stderr, `usage: archipel-bench <command> [flags]

commands:
  inbox     send pre-signed activities from simulated remote actors to a node's
            shared inbox with C concurrent senders; report accepted/s and latency
  outbound  have a local user post notes to K remote followers (a local sink)
            and measure deliveries/s of the real worker vs the raw RSA sign rate
  rsa       measure the raw RSA-2048 PKCS#1 v1.5 signing rate only
  fanout    time from a post to its last delivery: a post in a group of
            10,000 members on 50 nodes, one by an agent with 5,000 followers
            on 200 nodes
  scale     seed a node of 20,000 people and N posts with COPY, then measure
            p50/p99 of timelines, pages, directory and search through HTTP

run "archipel-bench <command> -h" for the flags of a command.
`)
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "inbox":
		err = runInbox(ctx, os.Args[2:])
	case "outbound":
		err = runOutbound(ctx, os.Args[2:])
	case "rsa":
		err = runRSA(ctx, os.Args[2:])
	case "scale":
		err = runScale(ctx, os.Args[2:])
	case "fanout":
		err = runFanout(ctx, os.Args[2:])
	case "-h", "-help", "--help", "help":
		usage()
		return
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "archipel-bench:", err)
		os.Exit(1)
	}
}

// common are the flags every command that starts a node shares.
type common struct {
	adminDB    string
	redisURL   string
	dbParams   string
	logLevel   string
	cpuProfile string
	keepDB     bool
	workerConc int
	inboxLimit float64
	quiet      quiet
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.adminDB, "admin-database-url", envOr("ARCHIPEL_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL URL where the throw-away database is created and dropped (env ARCHIPEL_BENCH_DATABASE_URL)")
	fs.StringVar(&c.redisURL, "redis-url", envOr("ARCHIPEL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL of the node's queue (env ARCHIPEL_BENCH_REDIS_URL)")
	fs.StringVar(&c.dbParams, "db-params", "", `extra query parameters for the node's database URL, e.g. "pool_max_conns=16" (default: none, as production)`)
	fs.StringVar(&c.logLevel, "log", "off", "node log level: off, debug, info, warn, error")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the timed phase to this file (one file per concurrency level: name-c16.prof)")
	fs.BoolVar(&c.keepDB, "keep-db", false, "keep the throw-away database (its name is printed)")
	fs.IntVar(&c.workerConc, "worker-concurrency", 0, "asynq worker concurrency (node.Options.Concurrency; 0 = the production default, 32)")
	fs.Float64Var(&c.quiet.maxBusy, "quiet-below", 15, "before each timed phase, wait until the machine is less than this percentage busy (0 = do not wait)")
	fs.DurationVar(&c.quiet.wait, "quiet-wait", time.Minute, "wait at most this long for the machine to be quiet")
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func (c *common) logger() (*slog.Logger, error) {
	var level slog.Level
	switch c.logLevel {
	case "off", "":
		return slog.New(slog.NewTextHandler(io.Discard, nil)), nil
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, fmt.Errorf("log level %q: want off, debug, info, warn or error", c.logLevel)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})), nil
}

// profile starts a CPU profile when a path is given; the returned function
// stops it. suffix distinguishes several timed phases of one run.
func profile(path, suffix string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	if suffix != "" {
		if i := strings.LastIndex(path, "."); i > strings.LastIndex(path, "/") {
			path = path[:i] + "-" + suffix + path[i:]
		} else {
			path += "-" + suffix
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		logf("CPU profile written to %s (go tool pprof -top %s)", path, path)
	}, nil
}

// logf prints progress on stderr, so that stdout holds the summary only.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

// header prints the machine and run description at the top of a summary.
func header(w io.Writer, title string) {
	fmt.Fprintf(w, "\n### %s\n\n", title)
	fmt.Fprintf(w, "- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "- machine: %d CPUs (GOMAXPROCS %d), %s, %s, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), memTotal(), runtime.Version())
	fmt.Fprintf(w, "- command: `%s`\n", strings.Join(append([]string{"archipel-bench"}, os.Args[1:]...), " "))
	if la := loadAvg(); la != "" {
		fmt.Fprintf(w, "- load average before the run: %s\n", la)
	}
}
