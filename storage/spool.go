package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// staleUpload is the age past which a temporary upload file is a leftover
// of a crash: no transfer lasts that long (node's file timeout: 15 min).
const staleUpload = 24 * time.Hour

// spooled is an upload written to a temporary file while it was hashed:
// its digest and size are known before it goes anywhere, so a store can
// skip bytes it already has and never holds a partial file under a digest.
type spooled struct {
	file *os.File
	blob Blob
}

// spool copies r into a new file of dir, hashing it, and stops past max
// bytes (ErrTooLarge). On error nothing is left in dir. Memory stays at one
// copy buffer whatever the size.
func spool(ctx context.Context, dir string, r io.Reader, max int64) (*spooled, error) {
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	s := &spooled{file: f}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(contextReader{ctx, r}, max+1))
	if err == nil && n > max {
		err = ErrTooLarge
	}
	if err != nil {
		s.discard()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		s.discard()
		return nil, fmt.Errorf("storage: %w", err)
	}
	s.blob = Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	return s, nil
}

// discard closes and removes the temporary file (a no-op on a name that
// was linked or renamed away).
func (s *spooled) discard() {
	s.file.Close()
	_ = os.Remove(s.file.Name())
}

// prepareSpool makes the temporary folder and removes what crashed uploads
// left there long ago (several processes may share the folder: only files
// no upload can still be writing are removed).
func prepareSpool(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || time.Since(info.ModTime()) < staleUpload {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("storage: %w", err)
		}
	}
	return nil
}
