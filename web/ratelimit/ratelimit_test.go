package ratelimit_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
	"github.com/archipel-social/archipel/web/ratelimit"
)

func redisClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	opt, err := redis.ParseURL(testnet.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis: %v (is redis-server running?)", err)
	}
	return rdb
}

// Two limiters on one Redis and prefix are two serve processes of a node:
// they share each key's bucket.
func TestLimiterSharedAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	prefix := "t" + store.NewID()
	t.Cleanup(func() {
		keys, _ := rdb.Keys(ctx, "rate:"+prefix+":*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	refused := ratelimit.NewRefusedCounter()
	// One token an hour: only the burst goes through during the test.
	a := ratelimit.New(rdb, prefix, ratelimit.APIWrites, 1.0/3600, 3, refused, nil)
	b := ratelimit.New(rdb, prefix, ratelimit.APIWrites, 1.0/3600, 3, refused, nil)
	allowed := 0
	for i := range 10 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if l.Allow(ctx, "42") {
			allowed++
		}
	}
	if allowed != 3 {
		t.Errorf("%d of 10 writes allowed across two processes, want the burst of 3", allowed)
	}
	if got := testutil.ToFloat64(refused.WithLabelValues(ratelimit.APIWrites)); got != 7 {
		t.Errorf("refusals counted: %v, want 7", got)
	}
	if got := testutil.ToFloat64(refused.WithLabelValues(ratelimit.InboxPerHost)); got != 0 {
		t.Errorf("refusals of another limit: %v", got)
	}
	if !a.Allow(ctx, "43") {
		t.Error("another account is limited by the first one")
	}
	inbox := ratelimit.New(rdb, prefix, ratelimit.InboxPerHost, 1.0/3600, 3, refused, nil)
	if !inbox.Allow(ctx, "42") {
		t.Error("another limit shares the first one's buckets")
	}
	other := ratelimit.New(rdb, "t"+store.NewID(), ratelimit.APIWrites, 1.0/3600, 3, refused, nil)
	if !other.Allow(ctx, "42") {
		t.Error("another node (queue prefix) shares the first one's buckets")
	}
}

func TestNoLimit(t *testing.T) {
	var none *ratelimit.Limiter
	if !none.Allow(context.Background(), "x") {
		t.Fatal("a nil limiter refused")
	}
	if l := ratelimit.New(redisClient(t), "p", ratelimit.APIWrites, 0, 10, nil, nil); l != nil {
		t.Fatal("a rate of 0 must mean no limit")
	}
}

// When Redis does not answer, writes still go through.
func TestLimiterWithoutRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	refused := ratelimit.NewRefusedCounter()
	l := ratelimit.New(rdb, "p", ratelimit.InboxPerHost, 1, 1, refused, nil)
	for range 3 {
		if !l.Allow(context.Background(), "peer.example") {
			t.Fatal("refused while Redis is down")
		}
	}
	if got := testutil.ToFloat64(refused.WithLabelValues(ratelimit.InboxPerHost)); got != 0 {
		t.Errorf("refusals counted while Redis is down: %v", got)
	}
}

// BenchmarkAllow is the cost a limit adds to each request: one round trip
// to Redis (a Lua script), side by side with a bare PING for scale.
func BenchmarkAllow(b *testing.B) {
	opt, err := redis.ParseURL(testnet.RedisURL())
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	prefix := "b" + store.NewID()
	l := ratelimit.New(rdb, prefix, ratelimit.InboxPerHost, 1e9, 1e9, nil, nil)
	ctx := context.Background()
	b.Run("allow", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !l.Allow(ctx, "peer.example") {
					b.Fatal("refused")
				}
			}
		})
	})
	b.Run("ping", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := rdb.Ping(ctx).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	keys, _ := rdb.Keys(ctx, "rate:"+prefix+":*").Result()
	if len(keys) > 0 {
		rdb.Del(ctx, keys...)
	}
}
