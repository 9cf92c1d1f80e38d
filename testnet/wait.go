package testnet

import (
	"testing"
	"time"
)

// Eventually polls cond until it holds or timeout passes; federation is
// asynchronous, so tests wait for an outcome instead of sleeping.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for: %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Start starts n nodes.
func Start(t testing.TB, n int, opts Options) []*Node {
	t.Helper()
	nodes := make([]*Node, n)
	for i := range nodes {
		nodes[i] = StartNode(t, opts)
	}
	return nodes
}
