package ratelimit

import "testing"

func TestLimiterPerKey(t *testing.T) {
	l := New(1, 3)
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if l.Allow("a") {
		t.Fatal("the burst is exceeded but the request went through")
	}
	if !l.Allow("b") {
		t.Fatal("another key is limited by the first one")
	}
	var none *Limiter
	if !none.Allow("x") || New(0, 1) != nil {
		t.Fatal("no limit must allow everything")
	}
}
