package inbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// postsOf counts the posts by author (a URI prefix) in a node's database.
func countObjects(t *testing.T, n *testnet.Node, authorURI string) int {
	t.Helper()
	var count int
	err := n.Pool.QueryRow(context.Background(), `select count(*) from objects o join actors a on a.id = o.attributed_to
		where a.uri = $1 and o.deleted_at is null`, authorURI).Scan(&count)
	if err != nil {
		t.Fatal(err)
	}
	return count
}

func countDeliveries(t *testing.T, n *testnet.Node, state string) int {
	t.Helper()
	var count int
	if err := n.Pool.QueryRow(context.Background(), `select count(*) from deliveries where state = $1`, state).Scan(&count); err != nil {
		t.Fatal(err)
	}
	return count
}

// dumpDeliveries logs a node's pending deliveries and peer hosts, to tell
// why a wait for deliveries failed.
func dumpDeliveries(t *testing.T, n *testnet.Node) {
	ctx := context.Background()
	rows, err := n.Pool.Query(ctx, `select id, host, state, attempts, next_at, last_error from deliveries where state <> 'done' order by id`)
	if err == nil {
		for rows.Next() {
			var id int64
			var host, state, lastError string
			var attempts int
			var next time.Time
			_ = rows.Scan(&id, &host, &state, &attempts, &next, &lastError)
			t.Logf("delivery %d to %s: %s, %d attempts, next %s, last error %q", id, host, state, attempts, next.Format(time.StampMilli), lastError)
		}
		rows.Close()
	}
	domains, _ := n.Store.Domains(ctx)
	for _, d := range domains {
		t.Logf("domain %+v", d)
	}
}

func TestDeliveriesSurviveAnOutage(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	b, c := nodes[0], nodes[1]
	bob := b.CreateUser("bob", store.TierState, "")
	carol := c.CreateUser("carol", store.TierState, "")
	follow(t, carol, bob.Handle())

	c.Stop()
	for i := range 20 {
		if res := bob.API("POST", "/statuses", map[string]string{"status": fmt.Sprintf("Compte rendu n°%d", i)}); res.Status != 200 {
			t.Fatalf("post %d: %d", i, res.Status)
		}
	}
	// While C is down the deliveries fail, C is marked unreachable and its
	// deliveries are parked.
	testnet.Eventually(t, wait, "C marked unreachable", func() bool {
		st, err := b.Store.HostState(context.Background(), c.Host)
		return err == nil && st.Unreachable
	})
	c.Restart()
	t.Cleanup(func() {
		if t.Failed() {
			dumpDeliveries(t, b)
		}
	})
	testnet.Eventually(t, 30*time.Second, "all 20 posts on C", func() bool {
		return countObjects(t, c, bob.Actor.URI) == 20
	})
	testnet.Eventually(t, wait, "every delivery done on B", func() bool {
		return countDeliveries(t, b, store.DeliveryPending) == 0
	})
	var creates int
	if err := b.Pool.QueryRow(context.Background(), `select count(*) from deliveries d join activities a on a.id = d.activity_id
		where a.type = 'Create' and d.state = 'done'`).Scan(&creates); err != nil || creates != 20 {
		t.Errorf("B made %d successful Create deliveries to C, want 20 (one per post): %v", creates, err)
	}
	var received int
	if err := c.Pool.QueryRow(context.Background(), `select count(*) from activities where type = 'Create' and not local`).Scan(&received); err != nil || received != 20 {
		t.Errorf("C stored %d Create activities, want 20 (%v)", received, err)
	}
	if got := len(homeTimeline(carol)); got != 20 {
		t.Errorf("carol's home timeline has %d posts, want 20", got)
	}
}

func TestRedisFlushLosesNothing(t *testing.T) {
	// This test empties Redis: its nodes use a database of their own.
	const flushDB = 13
	nodes := testnet.Start(t, 2, testnet.Options{RedisDB: flushDB})
	b, c := nodes[0], nodes[1]
	bob := b.CreateUser("bob", store.TierState, "")
	carol := c.CreateUser("carol", store.TierState, "")
	follow(t, carol, bob.Handle())

	c.Stop() // deliveries pile up as retries in Redis
	for i := range 10 {
		bob.API("POST", "/statuses", map[string]string{"status": fmt.Sprintf("Avant la purge %d", i)})
	}
	testnet.Eventually(t, wait, "retries scheduled", func() bool {
		var n int
		_ = b.Pool.QueryRow(context.Background(), `select count(*) from deliveries where attempts > 0 and state = 'pending'`).Scan(&n)
		return n > 0
	})
	if err := b.Redis.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		bob.API("POST", "/statuses", map[string]string{"status": fmt.Sprintf("Après la purge %d", i)})
	}
	if err := b.Redis.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	c.Restart()
	testnet.Eventually(t, 40*time.Second, "all 20 posts on C despite the flushes", func() bool {
		return countObjects(t, c, bob.Actor.URI) == 20
	})
}

func TestDuplicateDeliveryChangesNothing(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	follow(t, alice, bob.Handle())
	res := bob.API("POST", "/statuses", map[string]string{"status": "Une seule fois"})
	var posted status
	res.JSON(t, &posted)
	testnet.Eventually(t, wait, "the post on A", func() bool { return countObjects(t, a, bob.Actor.URI) == 1 })

	// Deliver the same activity again, as a retry after a lost answer would.
	ctx := context.Background()
	if _, err := b.Pool.Exec(ctx, `update deliveries set state = 'pending', attempts = 0, next_at = now()
		where activity_id = (select id from activities where uri = $1)`, posted.URI+"/activity"); err != nil {
		t.Fatal(err)
	}
	testnet.Eventually(t, wait, "the repeated delivery done", func() bool { return countDeliveries(t, b, store.DeliveryPending) == 0 })
	var activities, objects int
	_ = a.Pool.QueryRow(ctx, `select count(*) from activities where uri = $1`, posted.URI+"/activity").Scan(&activities)
	_ = a.Pool.QueryRow(ctx, `select count(*) from objects where uri = $1`, posted.URI).Scan(&objects)
	if activities != 1 || objects != 1 {
		t.Errorf("after a repeated delivery A has %d activities and %d objects, want 1 and 1", activities, objects)
	}
	if n := len(homeTimeline(alice)); n != 1 {
		t.Errorf("alice sees %d posts, want 1", n)
	}
}
