package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/testnet"
)

// backend is one implementation of storage.Blobs under test, with a way to
// see what it holds and what it left behind.
type backend struct {
	blobs storage.Blobs
	// stored lists the digests held.
	stored func(t testing.TB) []string
	// leftovers counts temporary files and unfinished uploads.
	leftovers func(t testing.TB) int
}

type backendMaker struct {
	name string
	make func(t testing.TB) backend
}

func backends() []backendMaker {
	return []backendMaker{
		{"folder", func(t testing.TB) backend {
			d, err := storage.NewDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return backend{blobs: d,
				stored: func(t testing.TB) []string { return filesUnder(t, d.Root, "tmp") },
				leftovers: func(t testing.TB) int {
					return len(filesUnder(t, filepath.Join(d.Root, "tmp"), ""))
				}}
		}},
		{"s3", func(t testing.TB) backend {
			srv := testnet.StartS3(t)
			b := srv.NewBucket(t)
			data := t.TempDir()
			blobs, err := storage.Open(context.Background(), b.URL, data, srv.AccessKey, srv.SecretKey)
			if err != nil {
				t.Fatal(err)
			}
			return backend{blobs: blobs,
				stored: func(t testing.TB) []string {
					var sums []string
					for _, k := range srv.Objects(t, b.Name) {
						sums = append(sums, k[strings.LastIndex(k, "/")+1:])
					}
					return sums
				},
				leftovers: func(t testing.TB) int {
					return len(filesUnder(t, filepath.Join(data, "tmp"), "")) + srv.IncompleteUploads(t, b.Name)
				}}
		}},
	}
}

// filesUnder lists the names of the files below root, skipping one folder.
func filesUnder(t testing.TB, root, skip string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && skip != "" && d.Name() == skip {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			names = append(names, d.Name())
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return names
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readAll(t *testing.T, blobs storage.Blobs, sum string) []byte {
	t.Helper()
	f, size, err := blobs.Open(context.Background(), sum)
	if err != nil {
		t.Fatalf("open %s: %v", sum, err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(got)) != size {
		t.Fatalf("read %d bytes, size says %d", len(got), size)
	}
	return got
}

// brokenReader gives n bytes, then fails, as a client that goes away
// mid-upload.
type brokenReader struct {
	r io.Reader
	n int
}

var errBroken = errors.New("connection reset by the client")

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errBroken
	}
	p = p[:min(len(p), b.n)]
	n, err := b.r.Read(p)
	b.n -= n
	return n, err
}

// The same behaviour is asked of every store; each test gets its own store.
func TestBlobs(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, be backend)
	}{
		{"stores and reads back, once per content", func(t *testing.T, be backend) {
			content := randomBytes(3<<20+17, 1)
			b1, err := be.blobs.Put(ctx, bytes.NewReader(content), 10<<20)
			if err != nil || !b1.New || b1.Size != int64(len(content)) || b1.SHA256 != digest(content) {
				t.Fatalf("first put: %+v %v", b1, err)
			}
			b2, err := be.blobs.Put(ctx, bytes.NewReader(content), 10<<20)
			if err != nil || b2.New || b2.SHA256 != b1.SHA256 {
				t.Fatalf("second put of the same bytes: %+v %v", b2, err)
			}
			if !bytes.Equal(readAll(t, be.blobs, b1.SHA256), content) {
				t.Fatal("content changed")
			}
			if got := be.stored(t); len(got) != 1 || got[0] != b1.SHA256 {
				t.Fatalf("stored: %v, want only %s", got, b1.SHA256)
			}
			if n := be.leftovers(t); n != 0 {
				t.Fatalf("%d temporary files or uploads left", n)
			}
		}},
		{"empty content", func(t *testing.T, be backend) {
			b, err := be.blobs.Put(ctx, bytes.NewReader(nil), 10)
			if err != nil || b.Size != 0 || b.SHA256 != digest(nil) {
				t.Fatalf("%+v %v", b, err)
			}
			if got := readAll(t, be.blobs, b.SHA256); len(got) != 0 {
				t.Fatalf("read %d bytes", len(got))
			}
		}},
		{"refuses more than the limit and keeps nothing", func(t *testing.T, be backend) {
			content := randomBytes(2<<20, 2)
			if _, err := be.blobs.Put(ctx, bytes.NewReader(content), int64(len(content))-1); !errors.Is(err, storage.ErrTooLarge) {
				t.Fatalf("oversized put: %v", err)
			}
			b, err := be.blobs.Put(ctx, bytes.NewReader(content), int64(len(content)))
			if err != nil || !b.New {
				t.Fatalf("put at exactly the limit: %+v %v", b, err)
			}
			if got := be.stored(t); len(got) != 1 {
				t.Fatalf("stored %v after one refused and one accepted put", got)
			}
			if n := be.leftovers(t); n != 0 {
				t.Fatalf("%d temporary files or uploads left", n)
			}
		}},
		{"a stream broken mid-upload keeps nothing", func(t *testing.T, be backend) {
			content := randomBytes(4<<20, 3)
			_, err := be.blobs.Put(ctx, &brokenReader{r: bytes.NewReader(content), n: 3 << 20}, 10<<20)
			if !errors.Is(err, errBroken) {
				t.Fatalf("broken upload: %v", err)
			}
			cctx, cancel := context.WithCancel(ctx)
			pr, pw := io.Pipe()
			go func() {
				_, _ = pw.Write(content[:1<<20])
				cancel() // the request is gone while bytes still come
				_, _ = pw.Write(content[1<<20:])
				pw.Close()
			}()
			if _, err := be.blobs.Put(cctx, pr, 10<<20); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled upload: %v", err)
			}
			if got, n := be.stored(t), be.leftovers(t); len(got) != 0 || n != 0 {
				t.Fatalf("broken uploads left %d files and %d temporary files or uploads", len(got), n)
			}
		}},
		{"reads ranges and seeks", func(t *testing.T, be backend) {
			content := randomBytes(5<<20+123, 4)
			b, err := be.blobs.Put(ctx, bytes.NewReader(content), 10<<20)
			if err != nil {
				t.Fatal(err)
			}
			f, size, err := be.blobs.Open(ctx, b.SHA256)
			if err != nil || size != int64(len(content)) {
				t.Fatalf("open: %d %v", size, err)
			}
			defer f.Close()
			for _, r := range []struct{ off, n int64 }{{0, 10}, {4 << 20, 1000}, {1, 3 << 20}, {size - 5, 5}, {1 << 20, 64 << 10}, {0, size}} {
				if _, err := f.Seek(r.off, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, r.n)
				if _, err := io.ReadFull(f, got); err != nil {
					t.Fatalf("read %d at %d: %v", r.n, r.off, err)
				}
				if !bytes.Equal(got, content[r.off:r.off+r.n]) {
					t.Fatalf("bytes %d-%d differ", r.off, r.off+r.n)
				}
			}
			if end, err := f.Seek(0, io.SeekEnd); err != nil || end != size {
				t.Fatalf("seek to the end: %d %v", end, err)
			}
			if n, err := f.Read(make([]byte, 10)); n != 0 || err != io.EOF {
				t.Fatalf("read at the end: %d %v", n, err)
			}
			if pos, err := f.Seek(-100, io.SeekCurrent); err != nil || pos != size-100 {
				t.Fatalf("seek back: %d %v", pos, err)
			}
			rest, err := io.ReadAll(f)
			if err != nil || !bytes.Equal(rest, content[size-100:]) {
				t.Fatalf("the last 100 bytes: %d %v", len(rest), err)
			}
			// As the documents API serves them.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				f, _, err := be.blobs.Open(r.Context(), b.SHA256)
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				defer f.Close()
				w.Header().Set("Content-Type", "application/octet-stream")
				http.ServeContent(w, r, "", time.Time{}, f)
			}))
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.Header.Set("Range", "bytes=1000-2999,4194304-4195303")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusPartialContent || !bytes.Contains(body, content[1000:3000]) ||
				!bytes.Contains(body, content[4194304:4195304]) {
				t.Fatalf("two ranges: %d, %d bytes", resp.StatusCode, len(body))
			}
		}},
		{"a missing or malformed digest is not found", func(t *testing.T, be backend) {
			for _, sum := range []string{digest([]byte("never stored")), "../../etc/passwd", "", strings.ToUpper(digest(nil)), digest(nil)[:10]} {
				if _, _, err := be.blobs.Open(ctx, sum); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("open %q: %v", sum, err)
				}
				if err := be.blobs.Delete(ctx, sum); err != nil {
					t.Errorf("delete %q: %v", sum, err)
				}
			}
		}},
		{"deletes", func(t *testing.T, be backend) {
			content := []byte("à supprimer")
			b, err := be.blobs.Put(ctx, bytes.NewReader(content), 100)
			if err != nil {
				t.Fatal(err)
			}
			if err := be.blobs.Delete(ctx, b.SHA256); err != nil {
				t.Fatal(err)
			}
			if _, _, err := be.blobs.Open(ctx, b.SHA256); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("open after delete: %v", err)
			}
			if err := be.blobs.Delete(ctx, b.SHA256); err != nil {
				t.Fatalf("second delete: %v", err)
			}
			again, err := be.blobs.Put(ctx, bytes.NewReader(content), 100)
			if err != nil || !again.New {
				t.Fatalf("put after delete: %+v %v", again, err)
			}
		}},
		{"concurrent puts of the same content: one is new", func(t *testing.T, be backend) {
			content := randomBytes(1<<20, 5)
			const uploads = 8
			var wg sync.WaitGroup
			blobs := make([]storage.Blob, uploads)
			errs := make([]error, uploads)
			for i := range uploads {
				wg.Go(func() { blobs[i], errs[i] = be.blobs.Put(ctx, bytes.NewReader(content), 2<<20) })
			}
			wg.Wait()
			news := 0
			for i := range uploads {
				if errs[i] != nil || blobs[i].SHA256 != digest(content) {
					t.Fatalf("upload %d: %+v %v", i, blobs[i], errs[i])
				}
				if blobs[i].New {
					news++
				}
			}
			if news != 1 {
				t.Errorf("%d uploads say they stored the bytes first, want 1", news)
			}
			if !bytes.Equal(readAll(t, be.blobs, digest(content)), content) {
				t.Fatal("content changed")
			}
			if got, n := be.stored(t), be.leftovers(t); len(got) != 1 || n != 0 {
				t.Fatalf("stored %v, %d temporary files or uploads left", got, n)
			}
		}},
	}
	for _, bm := range backends() {
		t.Run(bm.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, bm.make(t)) })
			}
		})
	}
}
