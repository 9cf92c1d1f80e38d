package store

import (
	"context"
	"time"
)

// Change kinds: what the streaming API tells clients about, each published
// once the transaction that wrote it has committed.
const (
	ChangeStatus       = "status"        // a new post or share (Mastodon's update)
	ChangeStatusUpdate = "status.update" // a post was edited
	ChangeDelete       = "delete"        // a post or share was deleted
	ChangeNotification = "notification"  // a new notification for Recipient
)

// Change is one committed change, by ids only: each streaming connection
// loads and renders what it names for its own viewer, after the visibility
// rules.
type Change struct {
	Kind           string `json:"kind"`
	ObjectID       int64  `json:"object_id,omitempty"`
	NotificationID int64  `json:"notification_id,omitempty"`
	Recipient      int64  `json:"recipient,omitempty"`
}

// ChangeSink receives the committed changes (streaming's Redis bus).
type ChangeSink interface {
	Publish(ctx context.Context, c Change)
}

// SetChangeSink makes the store publish its changes to sink after each
// commit. Call it once, before the store is used.
func (s *Store) SetChangeSink(sink ChangeSink) { s.changes = sink }

// publishTimeout bounds one publication: a slow Redis delays no request
// for long (streams lose the event, the database keeps it).
const publishTimeout = 2 * time.Second

// changed publishes c once s's transaction has committed.
func (s *Store) changed(ctx context.Context, c Change) {
	if s.changes == nil {
		return
	}
	sink := s.changes
	s.AfterCommit(ctx, func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
		defer cancel()
		sink.Publish(ctx, c)
	})
}
