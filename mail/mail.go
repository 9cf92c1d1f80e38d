// Package mail sends the node's mail (address confirmations, password
// resets, sign-up answers) through a durable outbox: each message is a
// PostgreSQL row written in the transaction of what causes it, then sent by
// the queue, retried with backoff, and found again by the reconciler when
// Redis loses its task. Messages are rendered from templates in French or
// English, as text and HTML.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/archipel-social/archipel/store"
)

// Message is a mail to send: the template named Kind rendered in Lang with
// Data, to To.
type Message struct {
	To string
	// AccountID ties the message to the account it concerns (nil for none).
	AccountID *int64
	// Lang is "fr" or "en"; anything else is French.
	Lang string
	// Kind names the template (templates/<kind>.<lang>.tmpl).
	Kind string
	// Data is what the template reads as .Data.
	Data any
	// DedupKey names the event the message is about: a second message
	// with the same key is not queued ("" for none).
	DedupKey string
	// Unsubscribe is the one-click unsubscribe URL of a notification or
	// digest (RFC 8058), "" for the mails an account cannot refuse.
	Unsubscribe string
}

// Enqueuer schedules a send attempt in the queue.
type Enqueuer interface {
	EnqueueMail(ctx context.Context, id int64, attempt int, at time.Time) error
}

// Sender hands a message to the mail system.
type Sender interface {
	Send(ctx context.Context, msg *gomail.Msg) error
}

// RetryPolicy says when a failed message is tried again.
type RetryPolicy struct {
	BaseDelay   time.Duration // after the first failure, doubled each time
	MaxDelay    time.Duration
	GiveUpAfter time.Duration // since the message was queued
}

// DefaultRetryPolicy retries for two days, like deliveries to peers.
var DefaultRetryPolicy = RetryPolicy{BaseDelay: 30 * time.Second, MaxDelay: time.Hour, GiveUpAfter: 48 * time.Hour}

// reconcileGrace leaves a just-queued message to its own task before the
// reconciler enqueues it again.
const reconcileGrace = 30 * time.Second

// Outbox queues, sends and retries the node's mail.
type Outbox struct {
	Store *store.Store
	// From is the sender address (ARCHIPEL_MAIL_FROM).
	From string
	// Node names the node in messages and Message-IDs (its host).
	Node string
	// BaseURL is the node's public URL, for templates.
	BaseURL string
	Tasks   Enqueuer
	Sender  Sender
	Policy  RetryPolicy
	Log     *slog.Logger
}

// Queue renders m and writes it to the outbox in tx, the transaction of
// what causes it; the send is enqueued once tx has committed, so a message
// goes out if and only if its cause is stored. It returns the message's id,
// 0 when a message with the same DedupKey was queued before.
func (o *Outbox) Queue(ctx context.Context, tx *store.Store, m Message) (int64, error) {
	r, err := render(m.Kind, m.Lang, templateData{Node: o.Node, URL: o.BaseURL, Unsubscribe: m.Unsubscribe, Data: m.Data})
	if err != nil {
		return 0, err
	}
	row := &store.Mail{AccountID: m.AccountID, Kind: m.Kind, To: m.To, Subject: r.subject, Text: r.text, HTML: r.html,
		MessageID: store.NewID() + "@" + o.messageIDHost(), DedupKey: m.DedupKey, Unsubscribe: m.Unsubscribe}
	if queued, err := tx.InsertMail(ctx, row); err != nil || !queued {
		return 0, err
	}
	tx.AfterCommit(ctx, func(ctx context.Context) {
		if o.Tasks == nil {
			return
		}
		if err := o.Tasks.EnqueueMail(ctx, row.ID, 0, time.Now()); err != nil {
			o.log().Warn("enqueue mail; the reconciler will retry", "mail", row.ID, "err", err)
		}
	})
	return row.ID, nil
}

func (o *Outbox) messageIDHost() string {
	h := o.Node
	if i := strings.LastIndex(h, ":"); i > 0 && !strings.Contains(h[i:], "]") {
		h = h[:i] // a Message-ID's right side is a domain, not host:port
	}
	if h == "" {
		h = "archipel.invalid"
	}
	return h
}

// Send makes attempt number attempt of a message: the worker's task. It is
// safe to run twice: a message sent already is not sent again.
func (o *Outbox) Send(ctx context.Context, id int64, attempt int) error {
	m, err := o.Store.MailByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if m.State != store.MailPending || m.Attempts != attempt {
		return nil // sent, dead, or an attempt that another task already made
	}
	msg, err := o.build(m)
	if err != nil {
		return o.Store.MarkMailDead(ctx, m.ID, err.Error())
	}
	err = o.Sender.Send(ctx, msg)
	if err == nil {
		o.log().Info("mail sent", "mail", m.ID, "kind", m.Kind)
		return o.Store.MarkMailSent(ctx, m.ID)
	}
	reason := err.Error()
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		// The server refused the message for good (a bad address): retrying
		// would only be refused again.
		o.log().Warn("mail refused", "mail", m.ID, "kind", m.Kind, "err", err)
		return o.Store.MarkMailDead(ctx, m.ID, reason)
	}
	policy := o.policy()
	if time.Since(m.CreatedAt) > policy.GiveUpAfter {
		o.log().Warn("mail given up", "mail", m.ID, "kind", m.Kind, "err", err)
		return o.Store.MarkMailDead(ctx, m.ID, reason)
	}
	next := time.Now().Add(policy.Delay(attempt))
	o.log().Info("mail failed; will retry", "mail", m.ID, "attempt", attempt, "next", next, "err", err)
	if err := o.Store.MarkMailRetry(ctx, m.ID, next, reason); err != nil {
		return err
	}
	if o.Tasks != nil {
		if err := o.Tasks.EnqueueMail(ctx, m.ID, attempt+1, next); err != nil {
			o.log().Warn("enqueue mail retry; the reconciler will retry", "mail", m.ID, "err", err)
		}
	}
	return nil
}

// Delay is the wait after the given attempt failed: doubling, capped, with
// jitter so that messages failing together do not retry together.
func (p RetryPolicy) Delay(attempt int) time.Duration {
	d := p.BaseDelay << min(attempt, 20)
	if d <= 0 || d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (o *Outbox) policy() RetryPolicy {
	if o.Policy == (RetryPolicy{}) {
		return DefaultRetryPolicy
	}
	return o.Policy
}

// Reconcile enqueues again every pending message whose attempt is due: what
// a Redis flush or a crash between commit and enqueue left behind.
func (o *Outbox) Reconcile(ctx context.Context) error {
	if o.Tasks == nil {
		return nil
	}
	due, err := o.Store.DueMails(ctx, time.Now().Add(-reconcileGrace), 500)
	if err != nil {
		return err
	}
	for _, d := range due {
		if err := o.Tasks.EnqueueMail(ctx, d.ID, d.Attempts, time.Now()); err != nil {
			return fmt.Errorf("reconcile mail %d: %w", d.ID, err)
		}
	}
	return nil
}

// build turns a stored message into a MIME message: text with an HTML
// alternative, its stable Message-ID and the date it was queued.
func (o *Outbox) build(m *store.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(o.From); err != nil {
		return nil, fmt.Errorf("sender address %q: %w", o.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient address: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.CreatedAt)
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	if m.Unsubscribe != "" {
		// RFC 8058: mail clients show an unsubscribe button, and POST
		// "List-Unsubscribe=One-Click" to the link without opening it.
		msg.SetGenHeader(gomail.Header("List-Unsubscribe"), "<"+m.Unsubscribe+">")
		msg.SetGenHeader(gomail.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

func (o *Outbox) log() *slog.Logger {
	if o.Log == nil {
		return slog.Default()
	}
	return o.Log
}
