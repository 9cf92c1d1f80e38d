package federation_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func newFederator(t *testing.T, mode string) *federation.Federator {
	t.Helper()
	s, _ := testnet.NewStore(t)
	return &federation.Federator{Store: s, Links: ap.NewLinks("https://archipel.example"),
		Log: slog.New(slog.DiscardHandler), Mode: mode}
}

// The policy is read in one query now; every rule it had must still hold.
func TestHostStatePolicy(t *testing.T) {
	ctx := context.Background()
	f := newFederator(t, "open")
	s := f.Store
	for host, policy := range map[string]string{
		"blocked.example":         store.PolicyBlock,
		"kept.blocked.example":    store.PolicyAllow,
		"partner.example":         store.PolicyAllow,
		"Spelled.Example.":        store.PolicyBlock,
		"deep.sub.parent.example": store.PolicyNone,
		"[2001:DB8::0:1]":         store.PolicyBlock,
		"192.0.2.7":               store.PolicyBlock,
		"parent.example":          store.PolicyBlock,
	} {
		if err := s.SetDomainPolicy(ctx, host, policy); err != nil {
			t.Fatal(err)
		}
	}
	check := func(mode string, want map[string]bool) {
		t.Helper()
		for host, allowed := range want {
			err := f.Allowed(ctx, host)
			if allowed && err != nil || !allowed && !errors.Is(err, federation.ErrBlocked) {
				t.Errorf("mode %s: Allowed(%q) = %v, want allowed %v", mode, host, err, allowed)
			}
		}
	}
	check("open (configured)", map[string]bool{
		"blocked.example":            false,
		"BLOCKED.example":            false,
		"x.blocked.example":          false, // a block covers subdomains
		"kept.blocked.example":       true,  // unless the subdomain is allowed itself
		"spelled.example":            false,
		"deep.sub.parent.example":    false,
		"unknown.example":            true,
		"partner.example":            true,
		"archipel.example":           true, // ourselves
		"notblocked-blocked.example": true,
	})
	if err := s.SetSetting(ctx, store.SettingFederationMode, "allowlist"); err != nil {
		t.Fatal(err)
	}
	check("allowlist (stored)", map[string]bool{
		"unknown.example":      false,
		"partner.example":      true,
		"x.partner.example":    false, // an allow does not cover subdomains
		"kept.blocked.example": true,
		"blocked.example":      false,
		"archipel.example":     true,
	})

	g := newFederator(t, "allowlist")
	check2 := func(host string, allowed bool) {
		t.Helper()
		if err := g.Allowed(ctx, host); allowed && err != nil || !allowed && !errors.Is(err, federation.ErrBlocked) {
			t.Errorf("configured allowlist: Allowed(%q) = %v, want allowed %v", host, err, allowed)
		}
	}
	check2("unknown.example", false)
	if err := g.Store.SetSetting(ctx, store.SettingFederationMode, "open"); err != nil {
		t.Fatal(err)
	}
	check2("unknown.example", true) // the stored mode overrides the flag
}

// HostState reports failures and parking with the policy, so that the
// inbox and the worker need no second query.
func TestHostStateHealth(t *testing.T) {
	ctx := context.Background()
	f := newFederator(t, "open")
	st, err := f.HostState(ctx, "peer.example")
	if err != nil || st.Failures != 0 || st.Unreachable || st.LastSuccessAt != nil {
		t.Fatalf("unknown host: %+v, %v", st, err)
	}
	for range 3 {
		if _, err := f.Store.DeliveryFailure(ctx, "peer.example", 3); err != nil {
			t.Fatal(err)
		}
	}
	if st, err = f.HostState(ctx, "PEER.example"); err != nil || st.Failures != 3 || !st.Unreachable {
		t.Fatalf("after 3 failures: %+v, %v", st, err)
	}
	if was, err := f.Store.DeliverySuccess(ctx, "peer.example"); err != nil || !was {
		t.Fatalf("DeliverySuccess = %v, %v", was, err)
	}
	if st, err = f.HostState(ctx, "peer.example"); err != nil || st.Failures != 0 || st.Unreachable || st.LastSuccessAt == nil {
		t.Fatalf("after a success: %+v, %v", st, err)
	}
}
