package testnet

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a redis-server process of the test's own (Debian's
// package, which scripts/services.sh installs), for the deployments the
// shared Redis cannot stand for: a Unix socket, Sentinel, a cluster.
type RedisServer struct {
	Addr   string // 127.0.0.1:port, or the socket's path
	Socket bool
}

// startRedisProcess runs redis-server with args in dir until the test ends,
// and waits until ready says it serves.
func startRedisProcess(t testing.TB, dir string, args []string, ready func() error) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (scripts/services.sh installs it)")
	}
	p, err := startProcess(dir, nil, bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	if err := p.WaitReady(20*time.Second, ready); err != nil {
		t.Fatal(err)
	}
}

func ping(opt *redis.Options) func() error {
	return func() error {
		c := redis.NewClient(opt)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return c.Ping(ctx).Err()
	}
}

// freePorts returns n loopback ports that were free a moment ago, and whose
// port+10000 (a cluster node's bus) was too.
func freePorts(t testing.TB, n int, withBus bool) []string {
	t.Helper()
	var ports []string
	for len(ports) < n {
		p, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if withBus {
			var num int
			fmt.Sscan(p, &num)
			if num+10000 > 65535 {
				continue
			}
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", num+10000))
			if err != nil {
				continue
			}
			ln.Close()
		}
		ports = append(ports, p)
	}
	return ports
}

func redisArgs(port string) []string {
	return []string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
}

// StartRedis starts a Redis server on a free loopback port.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	port := freePorts(t, 1, false)[0]
	s := &RedisServer{Addr: "127.0.0.1:" + port}
	startRedisProcess(t, t.TempDir(), redisArgs(port), ping(&redis.Options{Addr: s.Addr}))
	return s
}

// StartRedisSocket starts a Redis server that listens only on a Unix socket.
func StartRedisSocket(t testing.TB) *RedisServer {
	t.Helper()
	// Socket paths are limited to about 100 bytes: not under t.TempDir().
	dir, err := os.MkdirTemp("", "redis-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &RedisServer{Addr: filepath.Join(dir, "redis.sock"), Socket: true}
	startRedisProcess(t, dir, []string{"--port", "0", "--unixsocket", s.Addr, "--save", "", "--appendonly", "no"},
		ping(&redis.Options{Network: "unix", Addr: s.Addr}))
	return s
}

// StartSentinel starts a Redis master and one Sentinel watching it under
// the name master, and returns the Sentinel's address.
func StartSentinel(t testing.TB, master string) string {
	t.Helper()
	primary := StartRedis(t)
	port := freePorts(t, 1, false)[0]
	dir := t.TempDir()
	host, masterPort, _ := net.SplitHostPort(primary.Addr)
	conf := fmt.Sprintf("port %s\nbind 127.0.0.1\nsentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s 5000\n",
		port, master, host, masterPort, master)
	// Sentinel rewrites its configuration file: it must be writable.
	if err := os.WriteFile(filepath.Join(dir, "sentinel.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + port
	startRedisProcess(t, dir, []string{filepath.Join(dir, "sentinel.conf"), "--sentinel"}, func() error {
		c := redis.NewSentinelClient(&redis.Options{Addr: addr})
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := c.GetMasterAddrByName(ctx, master).Result()
		return err
	})
	return addr
}

// StartRedisCluster starts a cluster of three masters (the fewest Redis
// accepts) and returns their addresses.
func StartRedisCluster(t testing.TB) []string {
	t.Helper()
	var addrs []string
	for _, port := range freePorts(t, 3, true) {
		addr := "127.0.0.1:" + port
		args := append(redisArgs(port), "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
		startRedisProcess(t, t.TempDir(), args, ping(&redis.Options{Addr: addr}))
		addrs = append(addrs, addr)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatal("redis-cli is not installed (scripts/services.sh installs redis-server, which has it)")
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Ready when every node says so (a node that has not yet learnt the
	// others' slots would send the first clients elsewhere).
	for _, addr := range addrs {
		c := redis.NewClient(&redis.Options{Addr: addr})
		Eventually(t, 20*time.Second, "Redis cluster node "+addr+" is ready", func() bool {
			info, err := c.ClusterInfo(context.Background()).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_slots_ok:16384")
		})
		c.Close()
	}
	return addrs
}
