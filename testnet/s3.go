package testnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/archipel-social/archipel/store"
)

// The S3 server the tests run: versitygw, an S3 gateway written in Go
// (Apache 2.0) whose posix backend keeps objects as files. It installs from
// the Go module proxy, which is all a fresh CI machine can reach.
const (
	versitygwModule  = "github.com/versity/versitygw/cmd/versitygw"
	versitygwVersion = "v1.8.0"
)

// S3Server is a real S3 server on a loopback port, with its own data folder,
// stopped when the test ends.
type S3Server struct {
	Endpoint  string // 127.0.0.1:port
	AccessKey string
	SecretKey string
	// Client is an admin client for tests that look inside the bucket.
	Client *minio.Client
}

// StartS3 starts an S3 server for the test, building its binary first if
// this machine has none (once, about two minutes, see VersitygwBinary).
func StartS3(t testing.TB) *S3Server {
	t.Helper()
	bin := VersitygwBinary(t)
	s := &S3Server{AccessKey: "archipel-test", SecretKey: "archipel-test-secret-" + store.NewID()}
	var lastErr error
	// The free port is chosen, released and taken again by the server:
	// another process may take it in between, rarely, so try again.
	for range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		s.Endpoint = "127.0.0.1:" + port
		if lastErr = s.start(t, bin); lastErr == nil {
			return s
		}
	}
	t.Fatalf("start the S3 server: %v", lastErr)
	return nil
}

func (s *S3Server) start(t testing.TB, bin string) error {
	p, err := startProcess("", nil, bin, "--port", s.Endpoint, "--access", s.AccessKey, "--secret", s.SecretKey, "--quiet",
		"posix", t.TempDir())
	if err != nil {
		return err
	}
	client, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		p.Stop()
		return err
	}
	err = p.WaitReady(30*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := client.ListBuckets(ctx)
		return err
	})
	if err != nil {
		p.Stop()
		return err
	}
	s.Client = client
	t.Cleanup(p.Stop)
	return nil
}

// Bucket is an empty bucket made for a test.
type Bucket struct {
	Name string
	// URL is the storage URL (ARCHIPEL_STORAGE_URL) of a node that uses it.
	URL string
}

// NewBucket creates an empty bucket.
func (s *S3Server) NewBucket(t testing.TB) Bucket {
	t.Helper()
	name := "archipel-" + strings.ToLower(store.NewID())
	if err := s.Client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return Bucket{Name: name, URL: s.storageURL(name, s.Endpoint)}
}

func (s *S3Server) storageURL(bucket, endpoint string) string {
	return "s3://" + bucket + "?endpoint=http://" + endpoint + "&region=us-east-1"
}

// Metered returns a storage URL for the bucket that goes through a proxy
// counting the bytes of object contents the server sends (bodies of GETs),
// for tests of what a ranged read asks of the bucket.
func (s *S3Server) Metered(t testing.TB, b Bucket) (string, *atomic.Int64) {
	t.Helper()
	sent := new(atomic.Int64)
	proxy := &httputil.ReverseProxy{
		// The Host header stays the proxy's: it is what the client signed.
		Rewrite: func(r *httputil.ProxyRequest) { r.Out.URL.Scheme, r.Out.URL.Host = "http", s.Endpoint },
		ModifyResponse: func(resp *http.Response) error {
			if resp.Request.Method == http.MethodGet && resp.StatusCode/100 == 2 && resp.Request.URL.Query().Get("list-type") == "" {
				resp.Body = &countingBody{ReadCloser: resp.Body, n: sent}
			}
			return nil
		},
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return s.storageURL(b.Name, strings.TrimPrefix(srv.URL, "http://")), sent
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Objects lists the keys of a bucket, for tests of what a store left there.
func (s *S3Server) Objects(t testing.TB, bucket string) []string {
	t.Helper()
	var keys []string
	for o := range s.Client.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list %s: %v", bucket, o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// IncompleteUploads counts the multipart uploads begun and never finished
// in a bucket.
func (s *S3Server) IncompleteUploads(t testing.TB, bucket string) int {
	t.Helper()
	n := 0
	for u := range s.Client.ListIncompleteUploads(context.Background(), bucket, "", true) {
		if u.Err != nil {
			t.Fatalf("list uploads of %s: %v", bucket, u.Err)
		}
		n++
	}
	return n
}

var buildVersitygw sync.Mutex

// VersitygwBinary returns the path of the versitygw binary, building it
// into the user's cache folder when missing: ARCHIPEL_TEST_VERSITYGW names
// one explicitly. The build is done once per machine (a file lock keeps
// test processes of several packages from building it together).
func VersitygwBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ARCHIPEL_TEST_VERSITYGW"); p != "" {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("versitygw: no cache folder: %v", err)
	}
	dir := filepath.Join(cache, "archipel-test")
	bin := filepath.Join(dir, "versitygw-"+versitygwVersion)
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	buildVersitygw.Lock()
	defer buildVersitygw.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "versitygw.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(bin); err == nil {
		return bin // built by another test process while this one waited
	}
	if err := installVersitygw(dir, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// installVersitygw builds versitygw from the module proxy into a temporary
// folder, then moves it in place, so that an interrupted build leaves
// nothing that looks installed.
func installVersitygw(dir, bin string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return errors.New("versitygw: the go command is not on the PATH to build it")
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	start := time.Now()
	cmd := exec.Command(goBin, "install", versitygwModule+"@"+versitygwVersion)
	cmd.Dir = tmp // outside any module: go install pkg@version ignores ours
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=", "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("versitygw: go install %s@%s: %v\n%s", versitygwModule, versitygwVersion, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, "versitygw"), bin); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "testnet: built versitygw %s in %s\n", versitygwVersion, time.Since(start).Round(time.Second))
	return nil
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}
