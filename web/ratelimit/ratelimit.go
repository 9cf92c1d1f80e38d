// Package ratelimit enforces the node's rate limits, per remote host on the
// inbox and per account on the client API's writes. The buckets live in
// Redis, so that every serve process of a node draws from the same ones: a
// limit means the same whatever the number of processes behind the load
// balancer.
package ratelimit

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/archipel-social/archipel/web/respond"
)

// Names of the limits, as the metric's label shows them.
const (
	InboxPerHost = "inbox_per_host"
	APIWrites    = "api_writes"
)

// NewRefusedCounter is archipel_rate_limited_total, what each limit refused;
// the node registers it with its metrics and gives it to each Limiter.
func NewRefusedCounter() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "archipel_rate_limited_total",
		Help: "Requests refused by a rate limit, by limit (inbox_per_host, api_writes)."}, []string{"limit"})
	for _, name := range []string{InboxPerHost, APIWrites} {
		c.WithLabelValues(name) // shown at 0 before the first refusal
	}
	return c
}

// Limiter keeps one token bucket per key (a remote host, an account), so
// that one noisy peer or script cannot take a node's write capacity. A nil
// Limiter allows everything.
type Limiter struct {
	name    string
	prefix  string
	limit   redis_rate.Limit
	redis   *redis_rate.Limiter
	refused prometheus.Counter
	log     *slog.Logger
	warned  atomic.Int64 // unix seconds of the last warning
}

// warnEvery spaces the warnings of a limiter that cannot reach Redis.
const warnEvery = 10 * time.Second

// New allows perSecond requests per key, in bursts of up to burst. The
// buckets are kept in rdb under keyPrefix (the node's queue prefix, so that
// nodes sharing a Redis keep their own). A non-positive perSecond means no
// limit (nil limiter).
func New(rdb redis.UniversalClient, keyPrefix, name string, perSecond float64, burst int, refused *prometheus.CounterVec, log *slog.Logger) *Limiter {
	if perSecond <= 0 {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	l := &Limiter{name: name, prefix: keyPrefix + ":" + name + ":", redis: redis_rate.NewLimiter(rdb), log: log,
		// One token every 1/perSecond, so that fractional rates work.
		limit: redis_rate.Limit{Rate: 1, Period: time.Duration(float64(time.Second) / perSecond), Burst: max(burst, 1)}}
	if refused != nil {
		l.refused = refused.WithLabelValues(name)
	}
	return l
}

// Allow takes a token for key. When Redis does not answer it allows (and
// logs): a limit is protection, and an unreachable Redis must not also stop
// the writes that PostgreSQL can take.
func (l *Limiter) Allow(ctx context.Context, key string) bool {
	if l == nil {
		return true
	}
	res, err := l.redis.Allow(ctx, l.prefix+key, l.limit)
	if err != nil {
		if now := time.Now().Unix(); now-l.warned.Load() >= int64(warnEvery.Seconds()) {
			l.warned.Store(now)
			l.log.Warn("rate limit not applied: Redis does not answer", "limit", l.name, "err", err)
		}
		return true
	}
	if res.Allowed == 0 {
		if l.refused != nil {
			l.refused.Inc()
		}
		return false
	}
	return true
}

// TooMany answers 429 with a Retry-After peers and scripts honour.
func TooMany(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(1))
	respond.Error(w, http.StatusTooManyRequests, "too many requests: slow down and retry")
}
