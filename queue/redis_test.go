package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/archipel-social/archipel/queue"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func TestParseRedisURL(t *testing.T) {
	t.Run("one server", func(t *testing.T) {
		o, err := queue.ParseRedisURL("redis://archipel:s3cret@10.0.0.7:6380/2?dial_timeout=3s")
		if err != nil || o.Single == nil || o.Single.Addr != "10.0.0.7:6380" || o.Single.Username != "archipel" ||
			o.Single.Password != "s3cret" || o.Single.DB != 2 || o.Single.DialTimeout != 3*time.Second || o.Single.TLSConfig != nil {
			t.Fatalf("%+v %v", o.Single, err)
		}
		o, err = queue.ParseRedisURL("rediss://:s3cret@redis.example.gouv.fr")
		if err != nil || o.Single.Addr != "redis.example.gouv.fr:6379" || o.Single.TLSConfig == nil ||
			o.Single.TLSConfig.ServerName != "redis.example.gouv.fr" {
			t.Fatalf("rediss: %+v %v", o.Single, err)
		}
	})
	t.Run("socket", func(t *testing.T) {
		o, err := queue.ParseRedisURL("redis-socket://:s3cret@/run/redis/redis.sock?db=3")
		if err != nil || o.Single.Network != "unix" || o.Single.Addr != "/run/redis/redis.sock" || o.Single.DB != 3 || o.Single.Password != "s3cret" {
			t.Fatalf("%+v %v", o.Single, err)
		}
	})
	t.Run("sentinel", func(t *testing.T) {
		o, err := queue.ParseRedisURL("redis-sentinel://:sentinel-pw@s1.example:26379,s2.example,s3.example:26380/1?master=archipel&password=master-pw")
		if err != nil || o.Sentinel == nil {
			t.Fatalf("%v", err)
		}
		s := o.Sentinel
		if strings.Join(s.SentinelAddrs, " ") != "s1.example:26379 s2.example:26379 s3.example:26380" || s.MasterName != "archipel" ||
			s.SentinelPassword != "sentinel-pw" || s.Password != "master-pw" || s.DB != 1 || s.TLSConfig != nil {
			t.Fatalf("%+v", s)
		}
		o, err = queue.ParseRedisURL("rediss-sentinel://s1.example?master_name=archipel")
		if err != nil || o.Sentinel.TLSConfig == nil || o.Sentinel.MasterName != "archipel" {
			t.Fatalf("rediss-sentinel: %+v %v", o.Sentinel, err)
		}
	})
	t.Run("cluster", func(t *testing.T) {
		o, err := queue.ParseRedisURL("redis-cluster://archipel:pw@c1.example:7000,c2.example:7001,c3.example?pool_size=20")
		if err != nil || o.Cluster == nil {
			t.Fatalf("%v", err)
		}
		c := o.Cluster
		if strings.Join(c.Addrs, " ") != "c1.example:7000 c2.example:7001 c3.example:6379" || c.Username != "archipel" ||
			c.Password != "pw" || c.PoolSize != 20 || c.TLSConfig != nil {
			t.Fatalf("%+v", c)
		}
		o, err = queue.ParseRedisURL("rediss-cluster://c1.example:7000")
		if err != nil || o.Cluster.TLSConfig == nil {
			t.Fatalf("rediss-cluster: %+v %v", o.Cluster, err)
		}
	})
	for _, bad := range []struct{ url, want string }{
		{"127.0.0.1:6379", "want redis://"},
		{"memcached://x", `scheme "memcached"`},
		{"redis-sentinel://s1.example:26379", "master=name"},
		{"redis-cluster://c1:7000/2", "no database number"},
		{"redis-cluster://", "no host"},
		{"redis://x:6379?pool_sise=3", "pool_sise"},
	} {
		if _, err := queue.ParseRedisURL(bad.url); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want an error saying %q", bad.url, err, bad.want)
		}
	}
}

func TestRedactRedisURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://u:secret@h:1/0":                              "redis://u:xxxxx@h:1/0",
		"redis-sentinel://:spw@a:1,b:2?master=m&password=mpw": "redis-sentinel://:xxxxx@a:1,b:2?master=m&password=xxxxx",
		"redis://h:1/0":                                       "redis://h:1/0",
	} {
		if got := queue.RedactRedisURL(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// Each kind of deployment carries the node's queue: a task enqueued through
// the client built from its URL is run by a worker on the same client.
func TestRedisDeployments(t *testing.T) {
	deployments := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"redis://", func(t *testing.T) string { return testnet.RedisURL() }},
		{"redis-socket://", func(t *testing.T) string { return "redis-socket://" + testnet.StartRedisSocket(t).Addr + "?db=1" }},
		{"redis-sentinel://", func(t *testing.T) string {
			return "redis-sentinel://" + testnet.StartSentinel(t, "archipel") + "?master=archipel"
		}},
		{"redis-cluster://", func(t *testing.T) string {
			return "redis-cluster://" + strings.Join(testnet.StartRedisCluster(t), ",")
		}},
	}
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			rdb, err := queue.ConnectRedis(ctx, d.url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			q := queue.New(rdb, "t"+store.NewID())
			t.Cleanup(func() {
				insp := asynq.NewInspectorFromRedisClient(rdb)
				for _, name := range []string{q.DeliverQueue(), q.InboxQueue(), q.CronQueue()} {
					_ = insp.DeleteQueue(name, true)
				}
			})
			processed := make(chan int64, 1)
			wctx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() {
				done <- q.Run(wctx, queue.Handlers{
					Deliver:   func(context.Context, int64, int) error { return nil },
					Process:   func(_ context.Context, id int64) error { processed <- id; return nil },
					Reconcile: func(context.Context) error { return nil },
				}, queue.WorkerConfig{Concurrency: 2, ReconcileEvery: time.Hour})
			}()
			if err := q.EnqueueProcess(ctx, 42); err != nil {
				t.Fatal(err)
			}
			select {
			case id := <-processed:
				if id != 42 {
					t.Errorf("processed %d, want 42", id)
				}
			case <-ctx.Done():
				t.Fatal("the task was not processed")
			}
			stop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}
