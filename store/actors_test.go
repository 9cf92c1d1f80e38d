package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func newStore(t *testing.T) *store.Store {
	s, _ := testnet.NewStore(t)
	return s
}

func remote(uri, typ, username string) *store.Actor {
	return &store.Actor{URI: uri, Type: typ, Username: username, Host: "lemmy.example", Inbox: uri + "/inbox"}
}

// Two workers meeting the same new actor at once both store it: the upsert
// meets on the URI, never fails on the handle.
func TestUpsertRemoteActorConcurrently(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	ids := make([]int64, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := s.UpsertRemoteActor(ctx, remote("https://lemmy.example/u/rust", store.TypePerson, "rust"))
			errs[i] = err
			if err == nil {
				ids[i] = a.ID
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil || ids[i] != ids[0] {
			t.Fatalf("upsert %d: id %d (first %d), %v", i, ids[i], ids[0], err)
		}
	}
}

// Lemmy has a user and a community of the same name; both are kept, and a
// handle lookup finds the person. This node's own names stay unique.
func TestRemoteHandlesMayRepeat(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.UpsertRemoteActor(ctx, remote("https://lemmy.example/c/rust", store.TypeGroup, "rust")); err != nil {
		t.Fatal(err)
	}
	person, err := s.UpsertRemoteActor(ctx, remote("https://lemmy.example/u/rust", store.TypePerson, "rust"))
	if err != nil {
		t.Fatalf("a person named like a community on the same host: %v", err)
	}
	if a, err := s.ActorByHandle(ctx, "Rust", "lemmy.example"); err != nil || a.ID != person.ID {
		t.Errorf("ActorByHandle: %+v, %v; want the person", a, err)
	}

	local := func(uri, typ string) *store.Actor {
		return &store.Actor{URI: uri, Type: typ, Username: "atelier", Host: "archipel.example", Local: true, Inbox: uri + "/inbox"}
	}
	if err := s.CreateActor(ctx, local("https://archipel.example/users/atelier", store.TypePerson)); err != nil {
		t.Fatal(err)
	}
	err = s.CreateActor(ctx, local("https://archipel.example/groups/atelier", store.TypeGroup))
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Field != "username" {
		t.Errorf("a local group named like a local user: %v, want a username conflict", err)
	}
}
