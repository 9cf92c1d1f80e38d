// Package storage keeps file contents outside PostgreSQL, addressed by their
// SHA-256: the same bytes are stored once, whatever the number of documents
// or versions that share them. Blobs is the interface callers use; a folder
// (Dir) and an S3-compatible bucket (S3) implement it, chosen by the node's
// storage URL (Open).
package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
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
	// New is true when these bytes were not stored before: of two uploads
	// of the same bytes at the same time, one is New.
	New bool
}

// Blobs stores and reads content by digest.
type Blobs interface {
	// Put streams r into the store, refusing more than max bytes. A failed,
	// cancelled or oversized upload leaves nothing behind.
	Put(ctx context.Context, r io.Reader, max int64) (Blob, error)
	// Open returns the content of a digest and its size (ErrNotFound when
	// it is not stored). Reads after Open use ctx.
	Open(ctx context.Context, sha256 string) (ReadSeekCloser, int64, error)
	// Delete removes the content of a digest; a missing one is not an error.
	Delete(ctx context.Context, sha256 string) error
}

// ReadSeekCloser is what http.ServeContent needs, and a Close.
type ReadSeekCloser interface {
	io.ReadSeeker
	io.Closer
}

// blobKey is where a digest lives, relative to the store's root:
// ab/cd/<digest>, the same layout in a folder and in a bucket, so that a
// folder can be copied into a bucket as it is. It refuses anything that is
// not a SHA-256 in lower-case hex, which also keeps paths out of keys.
func blobKey(sum string) (string, bool) {
	if len(sum) != sha256.Size*2 {
		return "", false
	}
	if _, err := hex.DecodeString(sum); err != nil || sum != strings.ToLower(sum) {
		return "", false
	}
	return sum[:2] + "/" + sum[2:4] + "/" + sum, true
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
