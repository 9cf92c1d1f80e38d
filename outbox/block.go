package outbox

import (
	"context"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// Block makes blocker block target: the follows between them end (the
// peer is told: Undo{Follow} of ours, Reject{Follow} of theirs), and a
// remote target's node gets a Block, as Mastodon sends one. What a block
// hides is store's rule (store/hidden.go).
func (o *Outbox) Block(ctx context.Context, blocker, target *store.Actor) error {
	if blocker.ID == target.ID {
		return fieldErr("id", "you cannot block yourself")
	}
	if err := o.endFollowsWith(ctx, blocker, target); err != nil {
		return err
	}
	id := ""
	if !target.Local {
		id = o.Links.Activity(store.NewID())
	}
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		if uri, existed, err := tx.Unblock(ctx, blocker.ID, target.ID); err != nil {
			return err
		} else if existed {
			// Blocking again keeps the first block and its activity.
			return tx.Block(ctx, blocker.ID, target.ID, uri)
		}
		if err := tx.Block(ctx, blocker.ID, target.ID, id); err != nil {
			return err
		}
		if target.Local {
			return nil
		}
		var err error
		ds, err = o.publish(ctx, tx, blocker, blockActivity(id, blocker, target), target.URI, []string{target.Inbox})
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

func blockActivity(id string, blocker, target *store.Actor) *vocab.Activity {
	return ap.NewActivity(vocab.BlockType, id, blocker.URI, vocab.IRI(target.URI), ap.IRIs(target.URI), nil)
}

// endFollowsWith ends the follows both ways between a and a remote or
// local b, telling b's node.
func (o *Outbox) endFollowsWith(ctx context.Context, a, b *store.Actor) error {
	if err := o.Unfollow(ctx, a, b); err != nil {
		return err
	}
	if _, err := o.Store.FollowOf(ctx, b.ID, a.ID); err == nil {
		return o.AnswerFollow(ctx, a, b, false)
	} else if !isNotFound(err) {
		return err
	}
	return nil
}

// Unblock ends a block (Undo{Block} to a remote target's node).
func (o *Outbox) Unblock(ctx context.Context, blocker, target *store.Actor) error {
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		uri, existed, err := tx.Unblock(ctx, blocker.ID, target.ID)
		if err != nil || !existed || target.Local || uri == "" {
			return err
		}
		undo := ap.NewActivity(vocab.UndoType, o.Links.Activity(store.NewID()), blocker.URI,
			blockActivity(uri, blocker, target), ap.IRIs(target.URI), nil)
		ds, err = o.publish(ctx, tx, blocker, undo, uri, []string{target.Inbox})
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// MaxMuteDuration bounds a mute's duration.
const MaxMuteDuration = 10 * 365 * 24 * time.Hour

// Mute hides target's posts from muter's timelines, and their
// notifications when notifications is set, for duration (0: until
// unmuted). Mutes stay on this node: nothing is sent.
func (o *Outbox) Mute(ctx context.Context, muter, target *store.Actor, notifications bool, duration time.Duration) error {
	if muter.ID == target.ID {
		return fieldErr("id", "you cannot mute yourself")
	}
	if duration < 0 || duration > MaxMuteDuration {
		return fieldErr("duration", "a number of seconds from 0 (no end) to %d", int64(MaxMuteDuration/time.Second))
	}
	var until *time.Time
	if duration > 0 {
		t := time.Now().Add(duration)
		until = &t
	}
	return o.Store.Mute(ctx, muter.ID, target.ID, notifications, until)
}

// maxDomainLength bounds a domain name (RFC 1035).
const maxDomainLength = 253

// BlockDomain hides a whole node from one person: its people's posts and
// notifications, and the follows between the person and that node end
// (the node is told, as for a block).
func (o *Outbox) BlockDomain(ctx context.Context, actor *store.Actor, domain string) error {
	domain, err := o.checkDomain(domain)
	if err != nil {
		return err
	}
	following, followers, err := o.Store.FollowsWithDomain(ctx, actor.ID, domain)
	if err != nil {
		return err
	}
	for _, b := range following {
		if err := o.Unfollow(ctx, actor, b); err != nil {
			return err
		}
	}
	for _, b := range followers {
		if err := o.AnswerFollow(ctx, actor, b, false); err != nil {
			return err
		}
	}
	return o.Store.BlockDomain(ctx, actor.ID, domain)
}

// UnblockDomain shows a node to one person again.
func (o *Outbox) UnblockDomain(ctx context.Context, actor *store.Actor, domain string) error {
	domain, err := o.checkDomain(domain)
	if err != nil {
		return err
	}
	return o.Store.UnblockDomain(ctx, actor.ID, domain)
}

// checkDomain validates a domain a person blocks: a host name (with a
// port, as test nodes have), never this node's own.
func (o *Outbox) checkDomain(domain string) (string, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" || len(domain) > maxDomainLength || strings.ContainsAny(domain, "/@ \t?#") {
		return "", fieldErr("domain", "a domain name such as example.org")
	}
	if store.NormalizeHost(domain) == store.NormalizeHost(o.Links.Host()) {
		return "", fieldErr("domain", "this node's own domain cannot be blocked")
	}
	return domain, nil
}
