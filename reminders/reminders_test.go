package reminders_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/mail/mailtest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// Participants are reminded 24 h and 1 h before each sitting, by
// notification and by mail through a real SMTP server; running the job
// again (or from a second worker) sends nothing twice.
func TestRemindersOncePerSittingAndKind(t *testing.T) {
	smtp := mailtest.Start(t)
	n := testnet.StartNode(t, testnet.Options{Identity: config.Identity{SMTPURL: smtp.URL()}})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "equipe", "visibility": "private", "join_policy": "open"}).JSON(t, &g)
	if res := bob.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 200 {
		t.Fatalf("join: %d", res.Status)
	}
	// A weekly meeting at 14:00 Paris time, three sittings.
	var ev struct{ ID string }
	res := alice.API("POST", "/groups/"+g.ID+"/events", map[string]any{"title": "Réunion d'équipe",
		"start_time": "2027-03-02T14:00:00+01:00", "end_time": "2027-03-02T15:00:00+01:00", "rrule": "FREQ=WEEKLY;COUNT=3",
		"location": "Salle 4"})
	res.JSON(t, &ev)
	if res.Status != 200 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if res := bob.API("POST", "/events/"+ev.ID+"/participation", nil); res.Status != 200 {
		t.Fatalf("participate: %d", res.Status)
	}
	first := time.Date(2027, 3, 2, 13, 0, 0, 0, time.UTC)
	run := func(at time.Time) {
		t.Helper()
		for range 2 { // twice: the second run must send nothing
			if err := n.Reminders.Send(ctx, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	countReminders := func() int {
		var c int
		if err := n.Pool.QueryRow(ctx, `select count(*) from notifications where type = 'archipel.event_reminder'
			and recipient_id = $1`, bob.Actor.ID).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	run(first.Add(-30 * time.Hour)) // too early: nothing
	if c := countReminders(); c != 0 {
		t.Fatalf("reminder 30 h before: %d", c)
	}
	run(first.Add(-23 * time.Hour)) // the day before
	m := smtp.WaitFor(t, bob.Account.Email, "Demain", 20*time.Second)
	if !strings.Contains(m.Text, "mardi 2 mars 2027, 14 h 00") || !strings.Contains(m.Text, "Salle 4") {
		t.Errorf("reminder mail: %s", m.Text)
	}
	run(first.Add(-20 * time.Minute)) // the hour before
	smtp.WaitFor(t, bob.Account.Email, "Dans une heure", 20*time.Second)
	run(first.Add(7*24*time.Hour - 50*time.Minute)) // the next sitting, an hour before
	var rows, mails int
	if err := n.Pool.QueryRow(ctx, `select (select count(*) from event_reminders where actor_id = $1),
		(select count(*) from mails where kind = 'event_reminder')`, bob.Actor.ID).Scan(&rows, &mails); err != nil {
		t.Fatal(err)
	}
	// alice organises but does not take part: no reminder for her.
	if rows != 3 || mails != 3 {
		t.Errorf("reminder rows %d, mails %d, want 3 each", rows, mails)
	}
	var list []struct {
		Type  string
		Event *struct{ ID, Name string }
	}
	bob.API("GET", "/notifications?types[]=archipel.event_reminder", nil).JSON(t, &list)
	if len(list) != 1 || list[0].Event == nil || list[0].Event.Name != "Réunion d'équipe" {
		// one line: a reminder of the same event moves up as the newest
		t.Errorf("bob's reminders: %+v", list)
	}
	// A cancelled event reminds no one.
	if res := alice.API("PATCH", "/events/"+ev.ID, map[string]any{"status": "cancelled"}); res.Status != 200 {
		t.Fatal(res.Status)
	}
	run(first.Add(14*24*time.Hour - 50*time.Minute))
	if err := n.Pool.QueryRow(ctx, `select count(*) from event_reminders`).Scan(&rows); err != nil || rows != 3 {
		t.Errorf("reminders after cancellation: %d %v", rows, err)
	}
}
