package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Dir stores blobs in a folder, under ab/cd/<digest>, with uploads in
// progress under tmp/ (same file system, so that storing is a link).
type Dir struct {
	Root string
}

// NewDir prepares the folder.
func NewDir(root string) (*Dir, error) {
	if err := prepareSpool(filepath.Join(root, "tmp")); err != nil {
		return nil, err
	}
	return &Dir{Root: root}, nil
}

func (d *Dir) path(sum string) (string, error) {
	key, ok := blobKey(sum)
	if !ok {
		return "", ErrNotFound
	}
	return filepath.Join(d.Root, filepath.FromSlash(key)), nil
}

// Put writes to a temporary file while hashing, then links it under its
// digest: a link fails when the digest is already there, which tells
// exactly one of two concurrent uploads of the same bytes that it is New.
func (d *Dir) Put(ctx context.Context, r io.Reader, max int64) (Blob, error) {
	sp, err := spool(ctx, filepath.Join(d.Root, "tmp"), r, max)
	if err != nil {
		return Blob{}, err
	}
	defer sp.discard()
	b := sp.blob
	dst, _ := d.path(b.SHA256)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return Blob{}, fmt.Errorf("storage: %w", err)
	}
	switch err := os.Link(sp.file.Name(), dst); {
	case err == nil:
		b.New = true
	case errors.Is(err, os.ErrExist):
		// Already stored: same bytes, same digest.
	default:
		// A file system without hard links: a rename, which cannot tell
		// whether another upload stored the same bytes a moment ago.
		if _, err := os.Stat(dst); err == nil {
			return b, nil
		}
		if err := os.Rename(sp.file.Name(), dst); err != nil {
			return Blob{}, fmt.Errorf("storage: %w", err)
		}
		b.New = true
	}
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
