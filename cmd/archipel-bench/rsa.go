package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// rsaRate is the raw RSA-2048 PKCS#1 v1.5 SHA-256 signing rate with
// workers goroutines signing for d: the floor of what signing deliveries
// can reach on this machine.
func rsaRate(ctx context.Context, key *rsa.PrivateKey, workers int, d time.Duration) float64 {
	digest := sha256.Sum256([]byte("(request-target): post /inbox\nhost: peer.example\ndate: Mon, 23 Nov 2026 10:00:00 GMT\ndigest: SHA-256=x"))
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
					panic(err)
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

// rawRSA measures the signing rate on one core and on all cores.
type rawRSA struct {
	oneCore, allCores float64
	cores             int
}

// measureRSA measures each rate as the best of three trials of d, so that
// a burst of other work on a shared machine does not lower the reference.
func measureRSA(ctx context.Context, d time.Duration) (rawRSA, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return rawRSA{}, err
	}
	r := rawRSA{cores: runtime.GOMAXPROCS(0)}
	logf("raw RSA-2048 signing: best of 3 × %s on 1 goroutine, then on %d", d, r.cores)
	for range 3 {
		r.oneCore = max(r.oneCore, rsaRate(ctx, key, 1, d))
	}
	for range 3 {
		r.allCores = max(r.allCores, rsaRate(ctx, key, r.cores, d))
	}
	if r.cores > 1 && r.allCores < 0.85*float64(r.cores)*r.oneCore {
		logf("warning: %d cores sign only %.1f× faster than one: other work on the machine?", r.cores, r.allCores/r.oneCore)
	}
	return r, ctx.Err()
}

func (r rawRSA) String() string {
	return fmt.Sprintf("%.0f signatures/s on 1 core (%.0f µs each), %.0f/s on %d cores", r.oneCore, 1e6/r.oneCore, r.allCores, r.cores)
}

func runRSA(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("rsa", flag.ContinueOnError)
	d := fs.Duration("duration", 2*time.Second, "how long each of the three trials of each measurement signs")
	var q quiet
	fs.Float64Var(&q.maxBusy, "quiet-below", 15, "first wait until the machine is less than this percentage busy (0 = do not wait)")
	fs.DurationVar(&q.wait, "quiet-wait", time.Minute, "wait at most this long for the machine to be quiet")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q.waitQuiet(ctx)
	r, err := measureRSA(ctx, *d)
	if err != nil {
		return err
	}
	header(os.Stdout, "Raw RSA-2048 signing rate")
	fmt.Printf("\n| signers | signatures/s | µs per signature per core |\n|---|---|---|\n")
	fmt.Printf("| 1 goroutine | %.0f | %.0f |\n", r.oneCore, 1e6/r.oneCore)
	fmt.Printf("| %d goroutines | %.0f | %.0f |\n", r.cores, r.allCores, float64(r.cores)*1e6/r.allCores)
	return nil
}
