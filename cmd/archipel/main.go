// Command archipel runs an Archipel node: the HTTP server and its worker,
// migrations, and the administration commands operators script against.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

const usage = `archipel: a federated collaboration network for public administrations.

Usage:
  archipel serve    [flags]   run the HTTP server (and the queue worker unless --worker=false)
  archipel worker   [flags]   run only the queue worker (deliveries, inbound processing)
  archipel migrate  [flags]   apply the database migrations and exit
  archipel admin    COMMAND   manage users, tokens, groups, units, tier rules and federation
  archipel demo     [flags]   run a local federation of four seeded nodes
  archipel help               show this help

Every flag has an ARCHIPEL_* environment twin (e.g. --public-url and
ARCHIPEL_PUBLIC_URL). Run "archipel COMMAND --help" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, args)
	case "worker":
		err = worker(ctx, args)
	case "migrate":
		err = migrate(ctx, args)
	case "admin":
		err = admin(ctx, os.Stdout, args)
	case "demo":
		err = runDemo(ctx, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "archipel: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "archipel:", err)
		os.Exit(1)
	}
}

// newLogger writes JSON when not on a terminal, text for a person.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
