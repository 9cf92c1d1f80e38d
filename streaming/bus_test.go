package streaming_test

import (
	"context"
	"testing"
	"time"

	"github.com/archipel-social/archipel/queue"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/streaming"
	"github.com/archipel-social/archipel/testnet"
)

// Two buses on one Redis and prefix are two serve processes of one node:
// what either publishes reaches the subscribers of both; another prefix
// (another node) hears nothing; Close ends the subscriptions.
func TestBusAcrossProcesses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rdb, err := queue.ConnectRedis(ctx, testnet.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	prefix := "t" + store.NewID()
	one, two, other := streaming.NewBus(rdb, prefix, nil), streaming.NewBus(rdb, prefix, nil), streaming.NewBus(rdb, "t"+store.NewID(), nil)
	defer one.Close()
	defer other.Close()
	subs := make([]*streaming.Subscription, 0, 3)
	for _, b := range []*streaming.Bus{one, two, other} {
		s, err := b.Subscribe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	want := store.Change{Kind: store.ChangeNotification, NotificationID: 7, Recipient: 3}
	one.Publish(ctx, want)
	for i, s := range subs[:2] {
		select {
		case got := <-s.C():
			if got != want {
				t.Errorf("process %d got %+v", i, got)
			}
		case <-ctx.Done():
			t.Fatalf("process %d got nothing", i)
		}
	}
	select {
	case got := <-subs[2].C():
		t.Errorf("another node heard %+v", got)
	case <-time.After(300 * time.Millisecond):
	}
	two.Close()
	if _, open := <-subs[1].C(); open {
		t.Errorf("a subscription outlived its bus")
	}
	if _, err := two.Subscribe(ctx); err == nil {
		t.Errorf("a closed bus took a subscriber")
	}
}
