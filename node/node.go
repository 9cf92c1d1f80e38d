// Package node wires one Archipel node together: database, queue, services
// and HTTP handler, from a Config. The command line and the test network
// both build nodes through it.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/migrations"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Node is one running node's parts.
type Node struct {
	Config   config.Config
	Log      *slog.Logger
	Pool     *pgxpool.Pool
	Store    *store.Store
	Links    ap.Links
	Accounts *accounts.Service
	Outbox   *outbox.Outbox
	Redis    redis.UniversalClient
	Web      *web.Server
}

// Open connects to PostgreSQL and Redis, migrates the schema and makes sure
// the instance actor exists.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	pool, err := store.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if _, err := migrations.Apply(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	rdb, err := ConnectRedis(ctx, cfg.RedisURL)
	if err != nil {
		pool.Close()
		return nil, err
	}
	n := &Node{Config: cfg, Log: log, Pool: pool, Store: store.New(pool), Links: ap.NewLinks(cfg.PublicURL), Redis: rdb}
	n.Accounts = &accounts.Service{Store: n.Store, Links: n.Links}
	n.Outbox = &outbox.Outbox{Store: n.Store, Links: n.Links, Accounts: n.Accounts}
	if err := n.ensureInstanceActor(ctx); err != nil {
		n.Close()
		return nil, err
	}
	n.Web = web.New(web.Deps{
		Store: n.Store, Links: n.Links, Accounts: n.Accounts, Outbox: n.Outbox, Log: log,
		PingQueue: func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
	})
	return n, nil
}

// ConnectRedis opens the Redis client the queue uses and checks it answers.
func ConnectRedis(ctx context.Context, url string) (redis.UniversalClient, error) {
	opt, err := asynq.ParseRedisURI(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	rdb, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, errors.New("redis URL: unsupported client")
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis %s: %w (is redis-server running?)", url, err)
	}
	return rdb, nil
}

// ensureInstanceActor creates the node's Application actor, which signs
// fetches made on behalf of the node itself.
func (n *Node) ensureInstanceActor(ctx context.Context) error {
	_, err := n.Store.ActorByURI(ctx, n.Links.InstanceActor())
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	a, err := n.Links.NewLocalActor(store.TypeApplication, "archipel", n.Links.Host())
	if err != nil {
		return err
	}
	a.ManuallyApprovesFollowers = true
	err = n.Store.CreateActor(ctx, a)
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		return nil // another process created it first
	}
	return err
}

// Close releases the connections.
func (n *Node) Close() {
	if n.Redis != nil {
		n.Redis.Close()
	}
	n.Pool.Close()
}
