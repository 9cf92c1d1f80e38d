// Package outbox turns what local users do into stored changes and
// ActivityPub activities: each action authorises, writes its objects, its
// activity and the deliveries to peers in one transaction, then hands the
// deliveries to the queue.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"github.com/archipel-social/archipel/mail"
	"log/slog"
	"net/url"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/media"
	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/store"
)

// Outbox performs local users' actions.
type Outbox struct {
	Store    *store.Store
	Links    ap.Links
	Accounts *accounts.Service
	// Queue receives the deliveries once their transaction has committed;
	// nil in tools that do not federate (they stay pending in PostgreSQL
	// for the reconciler).
	Queue Enqueuer
	// Resolve finds a remote actor by handle (WebFinger) or URI.
	Resolver Resolver
	Log      *slog.Logger
	// Blobs keeps uploaded files; MaxUpload bounds one file.
	Blobs     storage.Blobs
	MaxUpload int64
	// Media bounds pictures (zero fields: media's defaults).
	Media media.Limits
	// Mail queues the mails of group announcements (nil: none are sent).
	Mail *mail.Outbox
}

// Enqueuer schedules deliveries.
type Enqueuer interface {
	EnqueueDelivery(ctx context.Context, id int64, attempt int, at time.Time) error
	EnqueueDeliveryBatch(ctx context.Context, activityID int64, part int) error
}

// maxBatchParts bounds the batch tasks of one activity: enough for a few
// worker processes to share a large fan-out.
const maxBatchParts = 4

// Resolver finds actors on other nodes.
type Resolver interface {
	ResolveHandle(ctx context.Context, handle string) (*store.Actor, error)
	Actor(ctx context.Context, uri string, refresh bool) (*store.Actor, error)
}

// publish stores an activity by actor and one delivery per remote inbox, in
// the caller's transaction, and returns the deliveries to enqueue once the
// transaction has committed.
func (o *Outbox) publish(ctx context.Context, tx *store.Store, actor *store.Actor, act vocab.Item, objectURI string, inboxes []string) ([]store.Delivery, error) {
	raw, err := ap.Marshal(act, nil)
	if err != nil {
		return nil, err
	}
	return o.publishRaw(ctx, tx, actor, act, raw, objectURI, inboxes)
}

// publishRaw is publish for an activity already serialised (with fields
// go-ap cannot carry).
func (o *Outbox) publishRaw(ctx context.Context, tx *store.Store, actor *store.Actor, act vocab.Item, raw []byte, objectURI string, inboxes []string) ([]store.Delivery, error) {
	row := &store.Activity{URI: string(act.GetID()), Type: string(act.GetType()), ActorURI: actor.URI,
		ObjectURI: objectURI, Local: true, Raw: raw}
	if _, err := tx.InsertActivity(ctx, row); err != nil {
		return nil, err
	}
	targets := make(map[string]string, len(inboxes))
	for _, inbox := range inboxes {
		if inbox == "" || o.Links.IsLocal(inbox) {
			continue
		}
		u, err := url.Parse(inbox)
		if err != nil || u.Host == "" {
			continue
		}
		targets[inbox] = u.Host
	}
	return tx.CreateDeliveries(ctx, row.ID, actor.ID, targets)
}

// enqueue hands committed deliveries to the queue: an activity with
// several inboxes goes as batch tasks (one per store.BatchSize inboxes, at most
// maxBatchParts), one with a single inbox as a task of its own. A failure
// here loses nothing: the rows are pending in PostgreSQL and the reconciler
// finds them.
func (o *Outbox) enqueue(ctx context.Context, ds []store.Delivery) {
	if o.Queue == nil {
		return
	}
	// Rows written for several inboxes at once wait BatchGrace for their
	// batch task (store.CreateDeliveries); the others go one by one. The
	// row says which, so that no row is given both kinds of task.
	perActivity := map[int64]int{}
	for _, d := range ds {
		if d.Batched() {
			perActivity[d.ActivityID]++
		}
	}
	for _, d := range ds {
		if !d.Batched() {
			if err := o.Queue.EnqueueDelivery(ctx, d.ID, 0, time.Now()); err != nil {
				o.log().Warn("enqueue delivery; the reconciler will retry", "delivery", d.ID, "err", err)
				return
			}
			continue
		}
		n := perActivity[d.ActivityID]
		if n == 0 {
			continue // its batch tasks are enqueued
		}
		perActivity[d.ActivityID] = 0
		for part := range min(maxBatchParts, (n+store.BatchSize-1)/store.BatchSize) {
			if err := o.Queue.EnqueueDeliveryBatch(ctx, d.ActivityID, part); err != nil {
				o.log().Warn("enqueue delivery batch; the reconciler will retry", "activity", d.ActivityID, "err", err)
				return
			}
		}
	}
}

func (o *Outbox) log() *slog.Logger {
	if o.Log == nil {
		return slog.Default()
	}
	return o.Log
}

// inboxesOf returns the delivery inboxes of actors (shared inbox first),
// once each.
func inboxesOf(actors ...*store.Actor) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range actors {
		if a == nil || a.Local {
			continue
		}
		if in := a.DeliveryInbox(); !seen[in] {
			seen[in] = true
			out = append(out, in)
		}
	}
	return out
}

// ErrForbidden is returned when the acting account may not do the action.
var ErrForbidden = accounts.ErrForbidden

// ErrNotFound is returned when the action's target does not exist or may not
// be seen by the actor.
var ErrNotFound = store.ErrNotFound

func fieldErr(field, format string, args ...any) error {
	return &accounts.FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// rawJSON embeds an already serialised document in another.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }
