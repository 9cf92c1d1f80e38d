// Package streaming carries the node's committed changes (new posts, edits,
// deletions, notifications) between its processes over Redis pub/sub, so
// that every serve process behind a load balancer streams every change,
// whichever process or worker wrote it. It carries ids only: the client
// API's streaming handler loads and renders each change for its own
// viewer, after the visibility rules.
package streaming

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/archipel-social/archipel/store"
)

// subscriptionBuffer is how many changes a slow connection may fall behind
// before it loses some (Mastodon drops them too: a client catches up by
// reading its timelines).
const subscriptionBuffer = 256

// Bus publishes a node's changes on its Redis channel and hands what the
// channel carries to this process's subscribers. It implements
// store.ChangeSink.
type Bus struct {
	rdb     redis.UniversalClient
	channel string
	log     *slog.Logger

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	pubsub  *redis.PubSub // nil until the first subscriber
	closed  bool
	stopped chan struct{}
}

// NewBus is the bus of the node whose queues use prefix: nodes sharing a
// Redis server keep apart as their queues do.
func NewBus(rdb redis.UniversalClient, prefix string, log *slog.Logger) *Bus {
	if log == nil {
		log = slog.Default()
	}
	return &Bus{rdb: rdb, channel: "archipel:" + prefix + ":streaming", log: log,
		subs: map[*Subscription]struct{}{}, stopped: make(chan struct{})}
}

// Publish sends a committed change to every process of the node. A failure
// is logged: streams are best effort, the database keeps the change.
func (b *Bus) Publish(ctx context.Context, c store.Change) {
	raw, _ := json.Marshal(c)
	if err := b.rdb.Publish(ctx, b.channel, raw).Err(); err != nil {
		b.log.Warn("streaming: publish", "kind", c.Kind, "err", err)
	}
}

// Subscription receives the node's changes until it is closed.
type Subscription struct {
	bus *Bus
	c   chan store.Change
}

// C delivers the changes; it is closed when the subscription or the bus is.
func (s *Subscription) C() <-chan store.Change { return s.c }

// Close ends the subscription.
func (s *Subscription) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.c)
	}
}

// ErrClosed is returned by Subscribe once the bus is closed.
var ErrClosed = errors.New("streaming: the bus is closed")

// Subscribe starts receiving the node's changes. The first subscriber of
// the process subscribes to the Redis channel and waits for Redis to
// confirm it, so that nothing published after Subscribe returns is missed.
func (b *Bus) Subscribe(ctx context.Context) (*Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	if b.pubsub == nil {
		ps := b.rdb.Subscribe(context.WithoutCancel(ctx), b.channel)
		if _, err := ps.Receive(ctx); err != nil {
			ps.Close()
			return nil, err
		}
		b.pubsub = ps
		go b.fanOut(ps.Channel(redis.WithChannelSize(subscriptionBuffer)))
	}
	s := &Subscription{bus: b, c: make(chan store.Change, subscriptionBuffer)}
	b.subs[s] = struct{}{}
	return s, nil
}

// fanOut hands each message of the Redis channel to every subscriber
// (go-redis reconnects and resubscribes by itself after a drop).
func (b *Bus) fanOut(msgs <-chan *redis.Message) {
	defer close(b.stopped)
	for m := range msgs {
		var c store.Change
		if err := json.Unmarshal([]byte(m.Payload), &c); err != nil || c.Kind == "" {
			b.log.Warn("streaming: unreadable message on the bus", "err", err)
			continue
		}
		b.mu.Lock()
		for s := range b.subs {
			select {
			case s.c <- c:
			default:
				b.log.Warn("streaming: a slow connection lost a change", "kind", c.Kind)
			}
		}
		b.mu.Unlock()
	}
}

// Close ends every subscription (their streams end) and the Redis
// subscription.
func (b *Bus) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	for s := range b.subs {
		delete(b.subs, s)
		close(s.c)
	}
	ps := b.pubsub
	b.mu.Unlock()
	if ps != nil {
		ps.Close()
		<-b.stopped
	}
}
