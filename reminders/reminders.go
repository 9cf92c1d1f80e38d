// Package reminders tells the people who take part in an event, 24 hours
// and 1 hour before each sitting, by notification (archipel.event_reminder)
// and by mail. The worker's reconciler runs it; a row per participant,
// sitting and kind, written in the transaction that queues the
// notification and the mail, keeps any reminder from going out twice.
package reminders

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/calendar"
	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/store"
)

// Leads are how long before a sitting reminders go: the day before, and
// the hour before. A reminder is due from its lead until the sitting
// starts; when both are due (an event added at the last minute), only the
// nearer one goes.
var Leads = []struct {
	Kind string
	Lead time.Duration
}{{"1h", time.Hour}, {"24h", 24 * time.Hour}}

// Reminders sends what is due.
type Reminders struct {
	Store *store.Store
	// Mail queues the mails (nil: notifications only).
	Mail *mail.Outbox
	// BaseURL links the event's page in mails.
	BaseURL string
	// Unsubscribe makes a mail's one-click unsubscribe link (notifymail's;
	// nil: none).
	Unsubscribe func(ctx context.Context, accountID int64, scope string) (string, error)
}

// MailData is what the event_reminder templates read.
type MailData struct {
	Username string
	Title    string
	When     string
	Location string
	Online   string
	Link     string
	Kind     string
}

// Send sends every reminder due at now; it is safe to run twice or in two
// processes at once.
func (r *Reminders) Send(ctx context.Context, now time.Time) error {
	longest := Leads[len(Leads)-1].Lead
	candidates, err := r.Store.ReminderCandidates(ctx, now, now.Add(longest))
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range candidates {
		for _, o := range c.Event.Occurrences(now, now.Add(longest)) {
			if !o.Start.After(now) {
				continue
			}
			kind := ""
			for _, l := range Leads {
				if o.Start.Sub(now) <= l.Lead {
					kind = l.Kind
					break
				}
			}
			for _, who := range c.Participants {
				if err := r.remind(ctx, c.Event, o, who, kind); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// remind sends one reminder, once.
func (r *Reminders) remind(ctx context.Context, e *store.Event, o calendar.Occurrence, actorID int64, kind string) error {
	return r.Store.Tx(ctx, func(tx *store.Store) error {
		sent, err := tx.MarkReminderSent(ctx, e.ID, actorID, o.Start, kind)
		if err != nil || !sent {
			return err
		}
		if err := tx.Notify(ctx, store.Notification{Recipient: actorID, Type: store.NotifyEventReminder, From: *e.GroupID,
			ObjectID: e.ID, GroupID: *e.GroupID}); err != nil {
			return err
		}
		if r.Mail == nil {
			return nil
		}
		acct, err := tx.AccountByActorID(ctx, actorID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && acct.Email == "") {
			return nil
		} else if err != nil {
			return err
		}
		if prefs, err := tx.MailPreferencesOf(ctx, acct.ID); err != nil || !prefs.EventReminders {
			return err // the agent chose no reminder mail (the notification stays)
		}
		var unsubscribe string
		if r.Unsubscribe != nil {
			if unsubscribe, err = r.Unsubscribe(ctx, acct.ID, "event_reminders"); err != nil {
				return err
			}
		}
		lang := acct.Locale
		loc := e.Loc()
		_, err = r.Mail.Queue(ctx, tx, mail.Message{To: acct.Email, AccountID: &acct.ID, Lang: lang, Kind: "event_reminder",
			Data: MailData{Username: acct.Username, Title: e.Title, When: calendar.FormatRange(o.Start, o.End, e.AllDay, loc, lang),
				Location: e.Location, Online: e.OnlineURL, Link: r.BaseURL + "/api/v1/events/" + strconv.FormatInt(e.ID, 10) + "/ics",
				Kind: kind}, Unsubscribe: unsubscribe, DedupKey: "reminder:" + strconv.FormatInt(e.ID, 10) + ":" +
				strconv.FormatInt(actorID, 10) + ":" + strconv.FormatInt(o.Start.Unix(), 10) + ":" + kind})
		return err
	})
}
