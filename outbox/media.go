package outbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/archipel-social/archipel/media"
	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/store"
)

// MaxAttachments bounds the pictures of one post (Mastodon's 4).
const MaxAttachments = 4

// UnattachedMediaLifetime is how long an upload waits for its post before
// the cleaner removes it.
const UnattachedMediaLifetime = 24 * time.Hour

// MediaLimits are the node's limits on pictures.
func (o *Outbox) MediaLimits() media.Limits { return o.Media.WithDefaults() }

// MediaInput is what comes with an upload, or changes it.
type MediaInput struct {
	Description *string
	Focus       *string // "x,y", each in [-1, 1]
}

// checkMediaInput validates an alt text and a focal point.
func (o *Outbox) checkMediaInput(in MediaInput, m *store.Media) error {
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if n := o.MediaLimits().MaxDescription; utf8.RuneCountInString(d) > n {
			return fieldErr("description", "at most %d characters", n)
		}
		m.Description = d
	}
	if in.Focus != nil && strings.TrimSpace(*in.Focus) != "" {
		x, y, ok := parseFocus(*in.Focus)
		if !ok {
			return fieldErr("focus", `two numbers between -1 and 1, as "x,y"`)
		}
		m.FocusX, m.FocusY = x, y
	}
	return nil
}

func parseFocus(s string) (float64, float64, bool) {
	xs, ys, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, false
	}
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	in := func(v float64) bool { return !math.IsNaN(v) && v >= -1 && v <= 1 }
	return x, y, errX == nil && errY == nil && in(x) && in(y)
}

// putPicture stores a processed picture's original and preview, and fills
// their digests in m; should the second fail, the first is taken back.
func (o *Outbox) putPicture(ctx context.Context, p *media.Picture, m *store.Media) ([]storage.Blob, error) {
	orig, err := o.Blobs.Put(ctx, bytes.NewReader(p.Original.Data), int64(len(p.Original.Data)))
	if err != nil {
		return nil, err
	}
	prev, err := o.Blobs.Put(ctx, bytes.NewReader(p.Preview.Data), int64(len(p.Preview.Data)))
	if err != nil {
		o.forget(ctx, orig)
		return nil, err
	}
	m.MediaType, m.SHA256, m.Size, m.Width, m.Height = p.Original.MediaType, orig.SHA256, orig.Size, p.Original.Width, p.Original.Height
	m.PreviewMediaType, m.PreviewSHA256, m.PreviewWidth, m.PreviewHeight = p.Preview.MediaType, prev.SHA256, p.Preview.Width, p.Preview.Height
	if m.Blurhash == "" {
		m.Blurhash = p.Blurhash
	}
	return []storage.Blob{orig, prev}, nil
}

// UploadMedia keeps a picture a person uploads for a post they will write:
// checked, re-encoded without metadata, with its thumbnail and blurhash,
// stored. Refused, it leaves no row and no file.
func (o *Outbox) UploadMedia(ctx context.Context, actor *store.Actor, data []byte, in MediaInput) (*store.Media, error) {
	m := &store.Media{ActorID: actor.ID, Purpose: store.MediaAttachment, Type: "image"}
	if err := o.checkMediaInput(in, m); err != nil {
		return nil, err
	}
	p, err := media.Process(data, o.MediaLimits())
	if err != nil {
		return nil, err
	}
	blobs, err := o.putPicture(ctx, p, m)
	if err != nil {
		return nil, err
	}
	if err := o.Store.CreateMedia(ctx, m); err != nil {
		o.forgetAll(ctx, blobs)
		return nil, err
	}
	return m, nil
}

// OwnMedia loads one of actor's uploads; anyone else's is not found.
func (o *Outbox) OwnMedia(ctx context.Context, actor *store.Actor, id int64) (*store.Media, error) {
	m, err := o.Store.MediaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.ActorID != actor.ID || m.Purpose != store.MediaAttachment {
		return nil, ErrNotFound
	}
	return m, nil
}

// UpdateMedia changes the alt text or the focal point of one's upload.
func (o *Outbox) UpdateMedia(ctx context.Context, actor *store.Actor, id int64, in MediaInput) (*store.Media, error) {
	m, err := o.OwnMedia(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := o.checkMediaInput(in, m); err != nil {
		return nil, err
	}
	return m, o.Store.SetMediaDescription(ctx, m.ID, m.Description, m.FocusX, m.FocusY)
}

// attachMedia checks the uploads a post lists (at most MaxAttachments,
// the author's own, not on another post) and attaches them, in the
// caller's transaction.
func attachMedia(ctx context.Context, tx *store.Store, author *store.Actor, objectID int64, ids []int64) error {
	if len(ids) > MaxAttachments {
		return fieldErr("media_ids", "at most %d pictures", MaxAttachments)
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			return fieldErr("media_ids", "the same picture twice")
		}
		seen[id] = true
	}
	ok, err := tx.AttachableMedia(ctx, author.ID, objectID, ids)
	if err != nil {
		return err
	}
	if len(ok) != len(ids) {
		return fieldErr("media_ids", "no such picture, or it belongs to another post")
	}
	return tx.AttachMedia(ctx, objectID, append([]int64{}, ids...))
}

// ProfileImages makes uploaded avatars and headers (by purpose) what they
// will be: checked, cropped and scaled to their size, re-encoded without
// metadata; nothing is stored yet, so that a refused one changes nothing.
func (o *Outbox) ProfileImages(images map[string][]byte) (map[string]*media.Image, error) {
	made := map[string]*media.Image{}
	for purpose, data := range images {
		w, h := media.AvatarSide, media.AvatarSide
		if purpose == store.MediaHeader {
			w, h = media.HeaderWidth, media.HeaderHeight
		}
		img, err := media.Profile(data, o.MediaLimits(), w, h)
		if err != nil {
			return nil, err
		}
		made[purpose] = img
	}
	return made, nil
}

// SetProfileImages makes pictures from ProfileImages the person's avatar
// or header; those they replace are removed.
func (o *Outbox) SetProfileImages(ctx context.Context, actor *store.Actor, made map[string]*media.Image) error {
	for purpose, img := range made {
		// The profile picture is its own preview: one blob, referred to twice.
		m := &store.Media{ActorID: actor.ID, Purpose: purpose, Type: "image"}
		blobs, err := o.putPicture(ctx, &media.Picture{Original: *img, Preview: *img}, m)
		if err != nil {
			return err
		}
		var old *store.Media
		if err := o.Store.Tx(ctx, func(tx *store.Store) error {
			old, err = tx.ReplaceProfileMedia(ctx, m)
			return err
		}); err != nil {
			o.forgetAll(ctx, blobs)
			return err
		}
		if old != nil {
			o.ForgetMedia(ctx, old)
		}
	}
	return nil
}

// forgetAll is forget for several blobs.
func (o *Outbox) forgetAll(ctx context.Context, blobs []storage.Blob) {
	for _, b := range blobs {
		o.forget(ctx, b)
	}
}

// ForgetMedia removes the bytes of a picture whose row is gone, unless
// another row shares them.
func (o *Outbox) ForgetMedia(ctx context.Context, m *store.Media) {
	for _, sha := range []string{m.SHA256, m.PreviewSHA256} {
		if sha == "" {
			continue
		}
		if used, err := o.Store.BlobInUse(ctx, sha); err == nil && !used {
			if err := o.Blobs.Delete(ctx, sha); err != nil && !errors.Is(err, storage.ErrNotFound) {
				o.log().Warn("media: delete file", "sha256", sha, "err", err)
			}
		}
	}
}

// CleanMedia removes the uploads never attached for a day and the
// pictures of deleted posts, rows and files (the reconciler runs it).
func (o *Outbox) CleanMedia(ctx context.Context, now time.Time) error {
	gone, err := o.Store.DeleteStaleMedia(ctx, now.Add(-UnattachedMediaLifetime))
	for _, m := range gone {
		o.ForgetMedia(ctx, m)
	}
	return err
}

// StoreRemoteMedia keeps the bytes of a peer's picture, fetched by the
// caller from body: read within the limits, re-encoded and thumbnailed as
// an upload is (so a peer's file loses its metadata too).
func (o *Outbox) StoreRemoteMedia(ctx context.Context, m *store.Media, body io.Reader) error {
	data, err := media.Read(body, o.MediaLimits())
	if err != nil {
		return err
	}
	p, err := media.Process(data, o.MediaLimits())
	if err != nil {
		return err
	}
	blobs, err := o.putPicture(ctx, p, m)
	if err != nil {
		return err
	}
	if err := o.Store.SetMediaFile(ctx, m); err != nil {
		o.forgetAll(ctx, blobs)
		return err
	}
	return nil
}
