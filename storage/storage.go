// Package storage keeps file contents outside PostgreSQL, addressed by their
// SHA-256: the same bytes are stored once, whatever the number of documents
// or versions that share them. Blobs is the interface callers use, so an
// S3-compatible bucket can replace the folder without touching them.
package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrTooLarge is returned when content goes past the allowed size; nothing
// is kept.
var ErrTooLarge = errors.New("file larger than allowed")

// ErrNotFound is returned for a digest that is not stored.
var ErrNotFound = errors.New("no such file")

// Blob describes stored content.
type Blob struct {
	SHA256 string // lower-case hex
	Size   int64
	// New is true when these bytes were not stored before.
	New bool
}

// Blobs stores and reads content by digest.
type Blobs interface {
	// Put streams r into the store, refusing more than max bytes.
	Put(ctx context.Context, r io.Reader, max int64) (Blob, error)
	// Open returns the content of a digest.
	Open(ctx context.Context, sha256 string) (ReadSeekCloser, int64, error)
	// Delete removes the content of a digest.
	Delete(ctx context.Context, sha256 string) error
}

// ReadSeekCloser is what http.ServeContent needs, and a Close.
type ReadSeekCloser interface {
	io.ReadSeeker
	io.Closer
}

// Dir stores blobs in a folder, under ab/cd/<digest>.
type Dir struct {
	Root string
}

// NewDir prepares the folder.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &Dir{Root: root}, nil
}

func (d *Dir) path(sum string) (string, error) {
	if len(sum) != sha256.Size*2 {
		return "", ErrNotFound
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return "", ErrNotFound
	}
	return filepath.Join(d.Root, sum[:2], sum[2:4], sum), nil
}

// Put writes to a temporary file while hashing, then moves it in place; a
// failed or oversized upload leaves nothing behind.
func (d *Dir) Put(ctx context.Context, r io.Reader, max int64) (Blob, error) {
	tmp, err := os.CreateTemp(filepath.Join(d.Root, "tmp"), "upload-*")
	if err != nil {
		return Blob{}, fmt.Errorf("storage: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(contextReader{ctx, r}, max+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Blob{}, err
	}
	if n > max {
		return Blob{}, ErrTooLarge
	}
	b := Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	dst, _ := d.path(b.SHA256)
	if _, err := os.Stat(dst); err == nil {
		return b, nil // already stored: same bytes, same digest
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return Blob{}, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Blob{}, err
	}
	b.New = true
	return b, nil
}

// Open reads a blob.
func (d *Dir) Open(_ context.Context, sum string) (ReadSeekCloser, int64, error) {
	p, err := d.path(sum)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, ErrNotFound
	} else if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// Delete removes a blob; a missing one is not an error.
func (d *Dir) Delete(_ context.Context, sum string) error {
	p, err := d.path(sum)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// contextReader stops a copy when the request is gone.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
