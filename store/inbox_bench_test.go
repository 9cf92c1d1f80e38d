package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// BenchmarkAcceptPathQueries measures, one at a time, the PostgreSQL
// round trips of the HTTP inbox (inbox.Handler.ServeHTTP: HostState and
// InsertActivity, ActorKeyByID when a key is not in memory) and of the
// worker (federation.Federator.Deliver: DeliveryJob, HostState,
// FinishDelivery), so that their share of a request is known. The queries
// these replaced, where the code still has them, are kept for comparison.
// "select1" is the floor: one round trip that does nothing.
func BenchmarkAcceptPathQueries(b *testing.B) {
	ctx := context.Background()
	s, pool := testnet.NewStore(b)
	now := time.Now()
	remote := &store.Actor{URI: "https://peer.example/users/a", Type: store.TypePerson, Username: "a", Host: "peer.example",
		Inbox: "https://peer.example/users/a/inbox", PublicKeyID: "https://peer.example/users/a#main-key",
		PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n", FetchedAt: &now}
	if err := s.CreateActor(ctx, remote); err != nil {
		b.Fatal(err)
	}
	if _, err := s.DeliverySuccess(ctx, "peer.example"); err != nil {
		b.Fatal(err)
	}
	act := &store.Activity{URI: "https://archipel.example/activities/1", Type: "Create", ActorURI: remote.URI, Local: true, Raw: []byte(`{}`)}
	if _, err := s.InsertActivity(ctx, act); err != nil {
		b.Fatal(err)
	}
	ds, err := s.CreateDeliveries(ctx, act.ID, remote.ID, map[string]string{"https://peer.example/inbox": "peer.example"})
	if err != nil || len(ds) != 1 {
		b.Fatal(ds, err)
	}

	run := func(name string, fn func(i int) error) {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := fn(i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("select1", func(int) error {
		var one int
		return pool.QueryRow(ctx, `select 1`).Scan(&one)
	})
	// Inbox, per accepted activity.
	run("inbox/DomainPolicy", func(int) error { _, err := s.DomainPolicy(ctx, "peer.example"); return err })
	run("inbox/Setting", func(int) error { _, _, err := s.Setting(ctx, store.SettingFederationMode); return err })
	run("inbox/ActorByKeyID+Skills", func(int) error { _, err := s.ActorByKeyID(ctx, remote.PublicKeyID); return err })
	run("inbox/InsertActivity", func(i int) error {
		_, err := s.InsertActivity(ctx, &store.Activity{URI: "https://peer.example/likes/" + strconv.FormatInt(now.UnixNano(), 36) + "-" + strconv.Itoa(i),
			Type: "Like", ActorURI: remote.URI, ObjectURI: "https://archipel.example/notes/1", Raw: []byte(`{"type":"Like"}`), Signer: remote.PublicKeyID})
		return err
	})
	run("inbox/HostState", func(int) error { _, err := s.HostState(ctx, "peer.example"); return err })
	run("inbox/ActorKeyByID", func(int) error { _, err := s.ActorKeyByID(ctx, remote.PublicKeyID); return err })
	// Worker, per delivery (besides DomainPolicy, Setting and HostUnreachable).
	run("deliver/DeliveryJob", func(int) error { _, err := s.DeliveryJob(ctx, ds[0].ID); return err })
	run("deliver/ActivityByID", func(int) error { _, err := s.ActivityByID(ctx, act.ID); return err })
	run("deliver/ActorByID+Skills", func(int) error { _, err := s.ActorByID(ctx, remote.ID); return err })
	b.Run("deliver/FinishDelivery", func(b *testing.B) {
		// b.N pending deliveries of a fresh activity, made before the timer.
		a := &store.Activity{URI: act.URI + "/" + strconv.Itoa(b.N), Type: "Create", ActorURI: remote.URI, Local: true, Raw: []byte(`{}`)}
		if _, err := s.InsertActivity(ctx, a); err != nil {
			b.Fatal(err)
		}
		inboxes := make(map[string]string, b.N)
		for i := range b.N {
			inboxes["https://peer.example/inbox/"+strconv.Itoa(i)] = "peer.example"
		}
		pending, err := s.CreateDeliveries(ctx, a.ID, remote.ID, inboxes)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for _, d := range pending {
			if ok, err := s.FinishDelivery(ctx, d.ID, 0, store.DeliveryDone, now, ""); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	run("deliver/DeliverySuccess", func(int) error { _, err := s.DeliverySuccess(ctx, "peer.example"); return err })
}
