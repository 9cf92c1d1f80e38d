package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// RedisOptions is a parsed Redis URL: exactly one of the three kinds of
// deployment is set.
type RedisOptions struct {
	Single   *redis.Options         // redis://, rediss://, redis-socket://
	Sentinel *redis.FailoverOptions // redis-sentinel://
	Cluster  *redis.ClusterOptions  // redis-cluster://
}

// Default ports of the host lists.
const (
	redisPort    = "6379"
	sentinelPort = "26379"
)

// ParseRedisURL reads the Redis URL forms asynq documents, and a cluster
// form of our own (asynq's parser has none):
//
//	redis://[user:password@]host:port[/db]         one server (rediss:// with TLS)
//	redis-socket://[:password@]/path/redis.sock[?db=N]
//	redis-sentinel://[:sentinel-password@]host1:26379,host2:26379[/db]?master=name[&password=p]
//	redis-cluster://[user:password@]host1:7000,host2:7001  (rediss-cluster:// with TLS)
//
// rediss-sentinel:// is Sentinel with TLS. go-redis's own query options
// (dial_timeout, pool_size, …) are accepted on every form; unknown ones are
// refused, so that a typo fails at start-up.
func ParseRedisURL(raw string) (RedisOptions, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return RedisOptions{}, errors.New("want redis://host:port, redis-socket://, redis-sentinel:// or redis-cluster://")
	}
	switch scheme {
	case "redis", "rediss", "unix":
		o, err := redis.ParseURL(raw)
		return RedisOptions{Single: o}, err
	case "redis-socket":
		// asynq's name for go-redis's unix:// form.
		o, err := redis.ParseURL("unix://" + rest)
		return RedisOptions{Single: o}, err
	case "redis-sentinel", "rediss-sentinel":
		u, err := hostList(strings.TrimSuffix(scheme, "-sentinel"), rest, sentinelPort)
		if err != nil {
			return RedisOptions{}, err
		}
		q := u.Query()
		if m := q.Get("master"); m != "" { // asynq's name for master_name
			q.Del("master")
			q.Set("master_name", m)
		}
		if q.Get("master_name") == "" {
			return RedisOptions{}, errors.New("a redis-sentinel:// URL needs ?master=name")
		}
		u.RawQuery = q.Encode()
		o, err := redis.ParseFailoverURL(u.String())
		return RedisOptions{Sentinel: o}, err
	case "redis-cluster", "rediss-cluster":
		u, err := hostList(strings.TrimSuffix(scheme, "-cluster"), rest, redisPort)
		if err != nil {
			return RedisOptions{}, err
		}
		if strings.Trim(u.Path, "/") != "" {
			return RedisOptions{}, errors.New("a Redis cluster has no database number: remove the path")
		}
		o, err := redis.ParseClusterURL(u.String())
		return RedisOptions{Cluster: o}, err
	default:
		return RedisOptions{}, fmt.Errorf("scheme %q: want redis, rediss, redis-socket, redis-sentinel or redis-cluster", scheme)
	}
}

// hostList turns "user@h1:p1,h2:p2/path?q" into go-redis's form of a list of
// servers: scheme://user@h1:p1/path?q&addr=h2:p2.
func hostList(scheme, rest, defaultPort string) (*url.URL, error) {
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	userinfo := ""
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, authority = authority[:i+1], authority[i+1:]
	}
	var hosts []string
	for _, h := range strings.Split(authority, ",") {
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, defaultPort)
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return nil, errors.New("no host in the URL")
	}
	u, err := url.Parse(scheme + "://" + userinfo + hosts[0] + tail)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	u.RawQuery = q.Encode()
	return u, nil
}

// Client builds the one go-redis client a process uses, for asynq and for
// its own commands (health check, rate limits), from the same options.
func (o RedisOptions) Client() redis.UniversalClient {
	switch {
	case o.Sentinel != nil:
		return redis.NewFailoverClient(o.Sentinel)
	case o.Cluster != nil:
		return redis.NewClusterClient(o.Cluster)
	default:
		return redis.NewClient(o.Single)
	}
}

// ConnectRedis opens the Redis client of a process and checks it answers.
func ConnectRedis(ctx context.Context, raw string) (redis.UniversalClient, error) {
	opts, err := ParseRedisURL(raw)
	if err != nil {
		return nil, fmt.Errorf("redis URL %s: %w", RedactRedisURL(raw), err)
	}
	rdb := opts.Client()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis %s: %w (is redis-server running?)", RedactRedisURL(raw), err)
	}
	return rdb, nil
}

// RedactRedisURL hides the passwords of a Redis URL, for messages.
func RedactRedisURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "(unreadable URL)"
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		user, _, _ := strings.Cut(authority[:i], ":")
		authority = user + ":xxxxx@" + authority[i+1:]
	}
	if path, query, ok := strings.Cut(tail, "?"); ok {
		q, err := url.ParseQuery(query)
		if err != nil {
			return scheme + "://" + authority + path
		}
		for _, k := range []string{"password", "sentinel_password"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		tail = path + "?" + q.Encode()
	}
	return scheme + "://" + authority + tail
}

// SetRedisLogger sends go-redis's own messages (a Sentinel's new master, a
// cluster's reloaded slots, a dropped connection) to log, instead of the
// standard library's logger. go-redis has one logger per process: the
// first call sets it.
func SetRedisLogger(log *slog.Logger) {
	setRedisLogger.Do(func() { redis.SetLogger(redisLogger{log}) })
}

var setRedisLogger sync.Once

type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.InfoContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
