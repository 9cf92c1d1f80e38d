package storage_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/testnet"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url  string
		want storage.Location
		err  string
	}{
		{"", storage.Location{Dir: "/var/lib/archipel/files"}, ""},
		{"file:///srv/archipel/files/", storage.Location{Dir: "/srv/archipel/files"}, ""},
		{"s3://documents?endpoint=minio.internal:9000&region=eu-west-3&secure=false", storage.Location{S3: &storage.S3Config{
			Endpoint: "minio.internal:9000", Region: "eu-west-3", Bucket: "documents", SpoolDir: "/var/lib/archipel/tmp"}}, ""},
		{"s3://documents/region-nouvelle-aquitaine?endpoint=http://10.0.0.5:7070", storage.Location{S3: &storage.S3Config{
			Endpoint: "10.0.0.5:7070", Bucket: "documents", Prefix: "region-nouvelle-aquitaine", SpoolDir: "/var/lib/archipel/tmp"}}, ""},
		{"s3://documents?endpoint=https://s3.fr-par.scw.cloud&region=fr-par", storage.Location{S3: &storage.S3Config{
			Endpoint: "s3.fr-par.scw.cloud", Secure: true, Region: "fr-par", Bucket: "documents", SpoolDir: "/var/lib/archipel/tmp"}}, ""},
		{"s3://archipel-files?region=eu-west-3", storage.Location{S3: &storage.S3Config{
			Endpoint: "s3.amazonaws.com", Secure: true, Region: "eu-west-3", Bucket: "archipel-files", SpoolDir: "/var/lib/archipel/tmp"}}, ""},
		{"file://files", storage.Location{}, "file:///absolute/path"},
		{"file:files", storage.Location{}, "file:///absolute/path"},
		{"ftp://x", storage.Location{}, "want file:///path or s3://"},
		{"s3://key:secret@documents?endpoint=x:1", storage.Location{}, "ARCHIPEL_S3_ACCESS_KEY"},
		{"s3://Documents_?endpoint=x:1", storage.Location{}, "bucket"},
		{"s3://documents?endpont=x:1", storage.Location{}, `unknown parameter "endpont"`},
		{"s3://documents?endpoint=http://x:1&secure=true", storage.Location{}, "contradicts"},
		{"s3://documents?endpoint=x:1&secure=maybe", storage.Location{}, "want true or false"},
		{"s3://documents?endpoint=http://x:1/path", storage.Location{}, "want host:port"},
		{"s3://documents?endpoint=x:1/path", storage.Location{}, "want host:port"},
	}
	for _, tc := range tests {
		got, err := storage.ParseURL(tc.url, "/var/lib/archipel")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one saying %q", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.url, err)
			continue
		}
		if got.Dir != tc.want.Dir || (got.S3 == nil) != (tc.want.S3 == nil) || (got.S3 != nil && *got.S3 != *tc.want.S3) {
			t.Errorf("%q: %+v %+v, want %+v %+v", tc.url, got, got.S3, tc.want, tc.want.S3)
		}
	}
}

// A node must not start on a bucket it cannot use, and must say why.
func TestS3StartupChecks(t *testing.T) {
	srv := testnet.StartS3(t)
	b := srv.NewBucket(t)
	ctx := context.Background()
	data := t.TempDir()
	missing := strings.Replace(b.URL, b.Name, b.Name+"-missing", 1)
	tests := []struct {
		name, url, access, secret, want string
	}{
		{"no such bucket", missing, srv.AccessKey, srv.SecretKey, "does not exist"},
		{"wrong secret", b.URL, srv.AccessKey, "wrong-secret", "refused the credentials"},
		{"unknown key", b.URL, "nobody", srv.SecretKey, "refused the credentials"},
		{"no keys", b.URL, "", "", "needs ARCHIPEL_S3_ACCESS_KEY"},
		{"nothing listening", "s3://" + b.Name + "?endpoint=http://127.0.0.1:1", srv.AccessKey, srv.SecretKey, "does not answer"},
	}
	for _, tc := range tests {
		_, err := storage.Open(ctx, tc.url, data, tc.access, tc.secret)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
		if err != nil && tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
			t.Errorf("%s: the error shows the secret: %v", tc.name, err)
		}
	}
	if _, err := storage.Open(ctx, b.URL, data, srv.AccessKey, srv.SecretKey); err != nil {
		t.Fatalf("the right bucket and keys: %v", err)
	}
}

// A Range request served from a bucket asks the bucket for about that range
// (at most twice its length, plus the 512 bytes net/http reads first), never
// the whole object; a whole download reads the object exactly once.
func TestS3RangeReadsOnlyTheRange(t *testing.T) {
	srv := testnet.StartS3(t)
	url, sent := srv.Metered(t, srv.NewBucket(t))
	ctx := context.Background()
	blobs, err := storage.Open(ctx, url, t.TempDir(), srv.AccessKey, srv.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	content := randomBytes(20<<20, 7)
	b, err := blobs.Put(ctx, bytes.NewReader(content), 32<<20)
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, _, err := blobs.Open(r.Context(), b.SHA256)
		if err != nil {
			http.Error(w, "no", 500)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", "application/pdf")
		http.ServeContent(w, r, "", time.Time{}, f)
	}))
	defer web.Close()
	get := func(rng string) []byte {
		req, _ := http.NewRequest("GET", web.URL, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	for _, r := range []struct {
		header     string
		start, end int // inclusive
	}{
		{"bytes=10485760-10486759", 10485760, 10486759},
		{"bytes=0-99", 0, 99},
		{"bytes=-500", 20<<20 - 500, 20<<20 - 1},
		{"bytes=5000000-6048575", 5000000, 6048575},
	} {
		sent.Store(0)
		got := get(r.header)
		if !bytes.Equal(got, content[r.start:r.end+1]) {
			t.Fatalf("%s: wrong bytes (%d)", r.header, len(got))
		}
		length := int64(r.end - r.start + 1)
		n := sent.Load()
		t.Logf("%s: %d bytes asked, %d read from the bucket", r.header, length, n)
		if n < length || n > 2*length+512 {
			t.Errorf("%s: the bucket sent %d bytes for %d", r.header, n, length)
		}
	}
	sent.Store(0)
	if got := get(""); !bytes.Equal(got, content) {
		t.Fatal("whole download differs")
	}
	if n := sent.Load(); n != int64(len(content)) {
		t.Errorf("a whole download read %d bytes from the bucket for %d", n, len(content))
	}
}
