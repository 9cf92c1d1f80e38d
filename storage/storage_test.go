package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestPutDedupAndLimit(t *testing.T) {
	ctx := context.Background()
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := bytes.Repeat([]byte("archipel "), 1000)
	b1, err := d.Put(ctx, bytes.NewReader(content), 1<<20)
	if err != nil || !b1.New || b1.Size != int64(len(content)) {
		t.Fatalf("first put: %+v %v", b1, err)
	}
	b2, err := d.Put(ctx, bytes.NewReader(content), 1<<20)
	if err != nil || b2.New || b2.SHA256 != b1.SHA256 {
		t.Fatalf("second put of the same bytes: %+v %v", b2, err)
	}
	f, size, err := d.Open(ctx, b1.SHA256)
	if err != nil || size != int64(len(content)) {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, content) {
		t.Fatal("content changed")
	}
	if _, err := d.Put(ctx, bytes.NewReader(content), int64(len(content))-1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized put: %v", err)
	}
	leftovers, _ := os.ReadDir(filepath.Join(d.Root, "tmp"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %d", len(leftovers))
	}
	if _, _, err := d.Open(ctx, "../../etc/passwd"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("path in digest: %v", err)
	}
}
