package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/node"
	"github.com/archipel-social/archipel/store"
)

// benchNode is a node started in this process exactly as `archipel serve`
// does (node.Open, an http.Server on the node's handler, node.RunWorker),
// on a throw-away database and queue prefix.
type benchNode struct {
	*node.Node
	URL     string
	c       *common
	dbName  string
	dataDir string
	server  *http.Server

	stopWorker context.CancelFunc
	workerDone chan struct{}
	workerErr  error
}

// startNode creates the database and starts the node without its worker.
func startNode(ctx context.Context, c *common) (*benchNode, error) {
	log, err := c.logger()
	if err != nil {
		return nil, err
	}
	b := &benchNode{c: c, dbName: "archipel_bench_" + store.NewID()}
	dbURL, err := b.createDatabase(ctx)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			b.Close()
		}
	}()
	if b.dataDir, err = os.MkdirTemp("", "archipel-bench-"); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.URL = "http://" + ln.Addr().String()
	cfg := config.Config{
		Listen:                ln.Addr().String(),
		PublicURL:             b.URL,
		DatabaseURL:           dbURL,
		RedisURL:              c.redisURL,
		DataDir:               b.dataDir,
		FederationMode:        config.ModeOpen,
		AllowPrivateAddresses: "127.0.0.0/8",
		QueuePrefix:           "bench" + store.NewID(),
	}
	octx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// Production options: default delivery policy, reconciler period and
	// rate limits (unless --inbox-limit says otherwise).
	nd, err := node.Open(octx, cfg, node.Options{Concurrency: c.workerConc, InboxPerHost: c.inboxLimit}, log)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("start node: %w", err)
	}
	b.Node = nd
	// The same server settings as cmd/archipel serve.
	b.server = &http.Server{Handler: nd.Web, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = b.server.Serve(ln) }()
	logf("node %s started (database %s, queue prefix %s, pool max conns %d)", b.URL, b.dbName, cfg.QueuePrefix, nd.Pool.Config().MaxConns)
	ok = true
	return b, nil
}

func (b *benchNode) createDatabase(ctx context.Context) (string, error) {
	admin, err := pgx.Connect(ctx, b.c.adminDB)
	if err != nil {
		return "", fmt.Errorf("PostgreSQL %s: %w", b.c.adminDB, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "create database "+b.dbName); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(b.c.adminDB)
	if err != nil {
		return "", err
	}
	u.Path = "/" + b.dbName
	if b.c.dbParams != "" {
		q := u.Query()
		extra, err := url.ParseQuery(b.c.dbParams)
		if err != nil {
			return "", fmt.Errorf("--db-params: %w", err)
		}
		for k, vs := range extra {
			for _, v := range vs {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// StartWorker runs node.RunWorker in the background.
func (b *benchNode) StartWorker() {
	wctx, stop := context.WithCancel(context.Background())
	b.stopWorker, b.workerDone = stop, make(chan struct{})
	go func() {
		defer close(b.workerDone)
		b.workerErr = b.RunWorker(wctx)
	}()
}

// StopWorker stops the worker and waits for it.
func (b *benchNode) StopWorker() error {
	if b.stopWorker == nil {
		return nil
	}
	b.stopWorker()
	<-b.workerDone
	b.stopWorker = nil
	return b.workerErr
}

// Close stops everything and removes the database, the data folder and the
// node's queues from Redis.
func (b *benchNode) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if b.server != nil {
		_ = b.server.Shutdown(ctx)
	}
	if err := b.StopWorker(); err != nil {
		logf("worker: %v", err)
	}
	if b.Node != nil {
		b.cleanRedis(ctx)
		b.Node.Close()
	}
	if b.dataDir != "" {
		os.RemoveAll(b.dataDir)
	}
	if b.c.keepDB {
		logf("database %s kept", b.dbName)
		return
	}
	admin, err := pgx.Connect(ctx, b.c.adminDB)
	if err != nil {
		logf("drop database %s: %v", b.dbName, err)
		return
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "drop database if exists "+b.dbName+" with (force)"); err != nil {
		logf("drop database %s: %v", b.dbName, err)
		return
	}
	logf("database %s dropped", b.dbName)
}

// cleanRedis deletes the asynq keys of this node's queues.
func (b *benchNode) cleanRedis(ctx context.Context) {
	prefix := b.Config.QueuePrefix
	var deleted int
	iter := b.Redis.Scan(ctx, 0, "asynq:{"+prefix+":*", 1000).Iterator()
	var batch []string
	flush := func() {
		if len(batch) > 0 {
			n, _ := b.Redis.Del(ctx, batch...).Result()
			deleted += int(n)
			batch = batch[:0]
		}
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			flush()
		}
	}
	flush()
	b.Redis.SRem(ctx, "asynq:queues", b.Queue.DeliverQueue(), b.Queue.InboxQueue(), b.Queue.CronQueue())
	if err := iter.Err(); err != nil && !errors.Is(err, context.Canceled) {
		logf("clean redis: %v", err)
	}
	logf("removed %d Redis keys of queue prefix %s", deleted, prefix)
}

// poolSnap records the pool counters before a timed phase.
type poolSnap struct {
	acquires, waited int64
	waitTime         time.Duration
}

func snapPool(b *benchNode) poolSnap {
	if b == nil {
		return poolSnap{}
	}
	s := b.Pool.Stat()
	return poolSnap{s.AcquireCount(), s.EmptyAcquireCount(), s.AcquireDuration()}
}

func (p poolSnap) since(b *benchNode) string {
	if b == nil {
		return "n/a (remote node)"
	}
	q := snapPool(b)
	acq, waited := q.acquires-p.acquires, q.waited-p.waited
	if acq == 0 {
		return "no acquires"
	}
	wait := q.waitTime - p.waitTime
	return fmt.Sprintf("%d conns max; %d acquires, %.0f%% waited for a free conn, mean acquire %s",
		b.Pool.Stat().MaxConns(), acq, 100*float64(waited)/float64(acq), (wait / time.Duration(acq)).Round(time.Microsecond))
}
