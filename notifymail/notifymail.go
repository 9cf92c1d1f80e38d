// Package notifymail reaches by mail the agents who rarely log in: an
// immediate mail for the notification types each one chose (mentions,
// invitations, join requests; event reminders, which package reminders
// mails itself, follow the same choice), and a daily or weekly
// digest of their groups, the default being weekly. Every mail carries a
// one-click unsubscribe link (RFC 8058).
//
// Both run in the worker's periodic reconcile, from PostgreSQL alone: a
// notification is mailed once because the mailer marks it looked-at in the
// transaction that queues its mail (with the notification as the mail's
// dedup key), and a digest is sent once per period because queueing it
// moves the account's cover in the same transaction. The mail outbox then
// sends and retries as for any mail.
package notifymail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// Mailer turns notifications and group news into mail.
type Mailer struct {
	Store *store.Store
	Mail  *mail.Outbox
	// BaseURL is the node's public URL, for the links in the mails.
	BaseURL string
	// Now is the clock (time.Now when nil); tests move it.
	Now func() time.Time
	Log *slog.Logger
}

// batch bounds the work of one run; the next run takes the rest.
const batch = 200

// Run mails what is due: notifications first, then digests.
func (m *Mailer) Run(ctx context.Context) error {
	return errors.Join(m.MailNotifications(ctx), m.SendDigests(ctx))
}

func (m *Mailer) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

// scopeOf is the choice that mails a notification type, "" for the types
// that are never mailed one by one (they are in the digest, or not mail).
func scopeOf(typ string) string {
	switch typ {
	case store.NotifyMention:
		return ScopeMentions
	case store.NotifyGroupInvitation:
		return ScopeInvitations
	case store.NotifyJoinRequest:
		return ScopeJoinRequests
	}
	return ""
}

func wants(p store.MailPreferences, scope string) bool {
	switch scope {
	case ScopeMentions:
		return p.Mentions
	case ScopeInvitations:
		return p.Invitations
	case ScopeJoinRequests:
		return p.JoinRequests
	case ScopeEventReminders:
		return p.EventReminders
	}
	return false
}

// MailNotifications looks at the notifications not looked at yet, queues a
// mail for each one whose recipient asked for its type, and marks them all.
func (m *Mailer) MailNotifications(ctx context.Context) error {
	for {
		n, err := m.mailNotificationBatch(ctx)
		if err != nil || n < batch {
			return err
		}
	}
}

func (m *Mailer) mailNotificationBatch(ctx context.Context) (int, error) {
	var seen int
	err := m.Store.Tx(ctx, func(tx *store.Store) error {
		pending, err := tx.LockNotificationsToMail(ctx, batch)
		if err != nil || len(pending) == 0 {
			return err
		}
		seen = len(pending)
		ids := make([]int64, len(pending))
		for i, n := range pending {
			ids[i] = n.ID
			scope := scopeOf(n.Type)
			if scope == "" || !n.Active || n.Email == "" || !wants(n.Prefs, scope) {
				continue
			}
			if err := m.queueNotification(ctx, tx, n, scope); err != nil {
				return fmt.Errorf("mail notification %d: %w", n.ID, err)
			}
		}
		return tx.MarkNotificationsMailed(ctx, ids)
	})
	return seen, err
}

// notificationData is what the notification template reads.
type notificationData struct {
	Username, Type, Who, Group, Excerpt, Link, Settings string
}

func (m *Mailer) queueNotification(ctx context.Context, tx *store.Store, n store.NotificationToMail, scope string) error {
	from, err := tx.ActorByID(ctx, n.From)
	if err != nil {
		return err
	}
	recipient, err := tx.ActorByID(ctx, n.Recipient)
	if err != nil {
		return err
	}
	d := notificationData{Username: displayName(recipient), Type: n.Type, Who: displayName(from),
		Link: m.BaseURL + "/notifications", Settings: m.settingsURL()}
	if n.GroupID != 0 {
		g, err := tx.ActorByID(ctx, n.GroupID)
		if err != nil {
			return err
		}
		d.Group = displayName(g)
		d.Link = m.BaseURL + groupPath(g)
		if n.Type == store.NotifyJoinRequest {
			d.Link += "/manage"
		}
	}
	if n.ObjectID != 0 {
		o, err := tx.ObjectByID(ctx, n.ObjectID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if o != nil {
			d.Excerpt = excerpt(o)
			if n.Type == store.NotifyMention {
				d.Link = m.BaseURL + "/posts/" + strconv.FormatInt(o.ID, 10)
			}
		}
	}
	unsubscribe, err := m.UnsubscribeURL(ctx, n.AccountID, scope)
	if err != nil {
		return err
	}
	accountID := n.AccountID
	_, err = m.Mail.Queue(ctx, tx, mail.Message{To: n.Email, AccountID: &accountID, Lang: n.Locale, Kind: "notification",
		Data: d, DedupKey: "notification:" + strconv.FormatInt(n.ID, 10), Unsubscribe: unsubscribe})
	return err
}

func (m *Mailer) settingsURL() string { return m.BaseURL + "/settings/notifications" }

// UnsubscribeURL is the one-click link that stops one kind of an account's
// mail (a scope), for the mails other packages send (event reminders).
func (m *Mailer) UnsubscribeURL(ctx context.Context, accountID int64, scope string) (string, error) {
	t, err := m.token(ctx, Link{AccountID: accountID, Scope: scope})
	if err != nil {
		return "", err
	}
	return m.BaseURL + "/mail/unsubscribe/" + t, nil
}

// displayName is how a mail names an actor.
func displayName(a *store.Actor) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Username
}

// groupPath is a group's page on this node.
func groupPath(g *store.Actor) string {
	if g.Local {
		return "/g/" + g.Username
	}
	return "/g/" + g.Username + "@" + g.Host
}

// excerptRunes bounds the quote of a post in a mail.
const excerptRunes = 200

// excerpt is the start of a post (or the title of a document or event) as
// plain text, for a mail; a post behind a content warning shows only its
// warning.
func excerpt(o *store.Object) string {
	text := o.Name
	switch {
	case o.Sensitive && o.Summary != "":
		text = o.Summary
	case text == "":
		text = markup.Text(o.Content)
	}
	return shorten(strings.Join(strings.Fields(text), " "))
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) <= excerptRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:excerptRunes])) + "…"
}
