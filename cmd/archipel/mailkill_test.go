package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/archipel-social/archipel/mail/mailtest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// A worker killed (SIGKILL) while it mails notifications, then started
// again: every notification is mailed, and none is queued twice. SMTP has
// no exactly-once: a message the server accepted just before the kill, and
// not yet marked sent, goes again, with the same Message-ID, which is how
// mail systems recognise a repeat; the test allows that only for the
// messages in flight at the kill.
func TestNotificationMailSurvivesAWorkerKill(t *testing.T) {
	const mentions = 120
	bin := testnet.BuildArchipel(t)
	smtp := mailtest.Start(t)
	prefix := "t" + store.NewID()
	t.Cleanup(func() { dropRedisState(t, prefix) })
	db := testnet.NewDatabase(t)
	env := []string{
		"ARCHIPEL_PUBLIC_URL=http://archipel.test", "ARCHIPEL_DATABASE_URL=" + db,
		"ARCHIPEL_REDIS_URL=" + testnet.RedisURL(), "ARCHIPEL_QUEUE_PREFIX=" + prefix,
		"ARCHIPEL_SMTP_URL=" + smtp.URL(), "ARCHIPEL_DATA_DIR=" + t.TempDir(),
	}
	c := &cluster{t: t, bin: bin, env: env}
	c.admin("user", "create", "--username", "alice", "--email", "alice@region.gouv.fr", "--password", "mot-de-passe-alice", "--tier", "state")
	c.admin("user", "create", "--username", "bob", "--email", "bob@region.gouv.fr", "--password", "mot-de-passe-bob", "--tier", "state")

	ctx := context.Background()
	pool, err := pgxpool.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// bob asked for mail on mentions; alice mentions him many times.
	if _, err := pool.Exec(ctx, `insert into mail_preferences (account_id, mentions)
		select id, true from accounts where username = 'bob'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `insert into notifications (recipient_id, type, from_id, dedup_key)
		select b.actor_id, 'mention', a.actor_id, 'mention:test:' || i
		from accounts a, accounts b, generate_series(1, $1) i where a.username = 'alice' and b.username = 'bob'`, mentions); err != nil {
		t.Fatal(err)
	}

	worker := testnet.StartProcess(t, "", env, bin, "worker")
	deadline := time.Now().Add(time.Minute)
	for len(smtp.Messages()) < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("no mail from the first worker:\n%s", worker.Output())
		}
		time.Sleep(5 * time.Millisecond)
	}
	worker.Kill()
	atKill := len(smtp.Messages())
	t.Logf("killed the worker after %d of %d mails", atKill, mentions)

	again := testnet.StartProcess(t, "", env, bin, "worker")
	deadline = time.Now().Add(3 * time.Minute)
	distinct := func() map[string]int {
		ids := map[string]int{}
		for _, m := range smtp.Messages() {
			ids[m.Header.Get("Message-Id")]++
		}
		return ids
	}
	for len(distinct()) < mentions {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d mails after the restart:\n%s", len(distinct()), mentions, again.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var rows, mailed int
	if err := pool.QueryRow(ctx, `select (select count(*) from mails where kind = 'notification'),
		(select count(*) from notifications where mailed_at is not null)`).Scan(&rows, &mailed); err != nil {
		t.Fatal(err)
	}
	if rows != mentions || mailed != mentions {
		t.Errorf("%d mail rows and %d notifications marked for %d mentions", rows, mailed, mentions)
	}
	repeats := len(smtp.Messages()) - mentions
	// The worker sends with a concurrency of 10 by default: at most the
	// messages in flight at the kill may go twice.
	if repeats > 10 {
		t.Errorf("%d messages received twice", repeats)
	}
	for id, n := range distinct() {
		if n > 1 {
			t.Logf("sent again after the kill: %s", id)
		}
	}
	for _, m := range smtp.Messages() {
		if !strings.Contains(m.Subject(), "mentionné") {
			t.Fatalf("unexpected mail %q", m.Subject())
		}
	}
}
