package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/jackc/pgx/v5"
)

// Purposes of a picture.
const (
	MediaAttachment = "attachment"
	MediaAvatar     = "avatar"
	MediaHeader     = "header"
)

// Media is a picture: an upload (attached to a post or waiting to be), an
// avatar or a header, or a peer's attachment (RemoteURL set; SHA256 empty
// until its bytes are fetched).
type Media struct {
	ID       int64
	Token    string
	ActorID  int64
	ObjectID *int64
	Position int
	Purpose  string
	// Type is Mastodon's: image, gifv, video, audio or unknown.
	Type             string
	MediaType        string
	SHA256           string
	Size             int64
	Width, Height    int
	PreviewSHA256    string
	PreviewMediaType string
	PreviewWidth     int
	PreviewHeight    int
	Description      string
	FocusX, FocusY   float64
	Blurhash         string
	RemoteURL        string
	CreatedAt        time.Time
}

// Stored tells whether the picture's bytes are in this node's storage.
func (m *Media) Stored() bool { return m.SHA256 != "" }

const mediaColumns = `id, token, actor_id, object_id, position, purpose, type, media_type, sha256, size, width, height,
	preview_sha256, preview_media_type, preview_width, preview_height, description, focus_x, focus_y, blurhash,
	remote_url, created_at`

func scanMedia(row rowScanner) (*Media, error) {
	var m Media
	err := row.Scan(&m.ID, &m.Token, &m.ActorID, &m.ObjectID, &m.Position, &m.Purpose, &m.Type, &m.MediaType,
		&m.SHA256, &m.Size, &m.Width, &m.Height, &m.PreviewSHA256, &m.PreviewMediaType, &m.PreviewWidth,
		&m.PreviewHeight, &m.Description, &m.FocusX, &m.FocusY, &m.Blurhash, &m.RemoteURL, &m.CreatedAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &m, nil
}

func (s *Store) mediaList(ctx context.Context, sql string, args ...any) ([]*Media, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Media, error) { return scanMedia(r) })
}

// newMediaToken is the random part of a picture's URLs (128 bits).
func newMediaToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CreateMedia inserts a picture, setting its id, token and creation time.
func (s *Store) CreateMedia(ctx context.Context, m *Media) error {
	if m.Purpose == "" {
		m.Purpose = MediaAttachment
	}
	m.Token = newMediaToken()
	return s.db.QueryRow(ctx, `insert into media_attachments (token, actor_id, object_id, position, purpose, type,
		media_type, sha256, size, width, height, preview_sha256, preview_media_type, preview_width, preview_height,
		description, focus_x, focus_y, blurhash, remote_url)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
		returning id, created_at`,
		m.Token, m.ActorID, m.ObjectID, m.Position, m.Purpose, m.Type, m.MediaType, m.SHA256, m.Size, m.Width, m.Height,
		m.PreviewSHA256, m.PreviewMediaType, m.PreviewWidth, m.PreviewHeight, m.Description, m.FocusX, m.FocusY,
		m.Blurhash, m.RemoteURL).Scan(&m.ID, &m.CreatedAt)
}

// MediaByID loads a picture.
func (s *Store) MediaByID(ctx context.Context, id int64) (*Media, error) {
	return scanMedia(s.db.QueryRow(ctx, `select `+mediaColumns+` from media_attachments where id = $1`, id))
}

// MediaByToken loads the picture its URLs name.
func (s *Store) MediaByToken(ctx context.Context, token string) (*Media, error) {
	return scanMedia(s.db.QueryRow(ctx, `select `+mediaColumns+` from media_attachments where token = $1`, token))
}

// SetMediaDescription changes a picture's alt text and focal point.
func (s *Store) SetMediaDescription(ctx context.Context, id int64, description string, focusX, focusY float64) error {
	_, err := s.db.Exec(ctx, `update media_attachments set description = $2, focus_x = $3, focus_y = $4 where id = $1`,
		id, description, focusX, focusY)
	return err
}

// AttachableMedia loads the uploads with these ids that actor may attach
// to a post: its own, not an avatar or header, and not attached to another
// post than objectID (0 for a new post).
func (s *Store) AttachableMedia(ctx context.Context, actorID, objectID int64, ids []int64) (map[int64]*Media, error) {
	list, err := s.mediaList(ctx, `select `+mediaColumns+` from media_attachments
		where id = any($1) and actor_id = $2 and purpose = 'attachment' and remote_url = ''
		and (object_id is null or object_id = $3)`, ids, actorID, objectID)
	out := make(map[int64]*Media, len(list))
	for _, m := range list {
		out[m.ID] = m
	}
	return out, err
}

// AttachMedia makes these uploads, in this order, the attachments of a
// post; those it had before and no longer has are detached (the cleaner
// removes them a day after their upload).
func (s *Store) AttachMedia(ctx context.Context, objectID int64, ids []int64) error {
	if _, err := s.db.Exec(ctx, `update media_attachments set object_id = null
		where object_id = $1 and not (id = any($2))`, objectID, ids); err != nil {
		return err
	}
	for i, id := range ids {
		if _, err := s.db.Exec(ctx, `update media_attachments set object_id = $1, position = $2 where id = $3`,
			objectID, i, id); err != nil {
			return err
		}
	}
	return nil
}

// ReplaceRemoteMedia sets a peer's post's attachments to these, as its
// latest version lists them: the rows of attachments it keeps (same URL)
// stay, with their fetched bytes; the others go (their bytes with them,
// through the cleaner, which is why their digests are returned).
func (s *Store) ReplaceRemoteMedia(ctx context.Context, objectID, actorID int64, list []*Media) ([]*Media, error) {
	old, err := s.mediaList(ctx, `select `+mediaColumns+` from media_attachments where object_id = $1 order by position`, objectID)
	if err != nil {
		return nil, err
	}
	byURL := make(map[string]*Media, len(old))
	for _, m := range old {
		byURL[m.RemoteURL] = m
	}
	for i, m := range list {
		m.ObjectID, m.ActorID, m.Position, m.Purpose = &objectID, actorID, i, MediaAttachment
		if prev := byURL[m.RemoteURL]; prev != nil {
			delete(byURL, m.RemoteURL)
			m.ID, m.Token, m.CreatedAt = prev.ID, prev.Token, prev.CreatedAt
			if _, err := s.db.Exec(ctx, `update media_attachments set position = $2, type = $3, description = $4,
				focus_x = $5, focus_y = $6, blurhash = $7, width = case when sha256 = '' then $8 else width end,
				height = case when sha256 = '' then $9 else height end where id = $1`,
				m.ID, i, m.Type, m.Description, m.FocusX, m.FocusY, m.Blurhash, m.Width, m.Height); err != nil {
				return nil, err
			}
			continue
		}
		if err := s.CreateMedia(ctx, m); err != nil {
			return nil, err
		}
	}
	gone := make([]*Media, 0, len(byURL))
	for _, m := range byURL {
		if _, err := s.db.Exec(ctx, `delete from media_attachments where id = $1`, m.ID); err != nil {
			return nil, err
		}
		gone = append(gone, m)
	}
	return gone, nil
}

// SetMediaFile records the bytes fetched for a peer's picture.
func (s *Store) SetMediaFile(ctx context.Context, m *Media) error {
	_, err := s.db.Exec(ctx, `update media_attachments set media_type = $2, sha256 = $3, size = $4, width = $5,
		height = $6, preview_sha256 = $7, preview_media_type = $8, preview_width = $9, preview_height = $10,
		blurhash = case when blurhash = '' then $11 else blurhash end where id = $1`,
		m.ID, m.MediaType, m.SHA256, m.Size, m.Width, m.Height, m.PreviewSHA256, m.PreviewMediaType,
		m.PreviewWidth, m.PreviewHeight, m.Blurhash)
	return err
}

// MediaOf loads the attachments of these posts, in their order.
func (s *Store) MediaOf(ctx context.Context, objectIDs []int64) (map[int64][]*Media, error) {
	out := map[int64][]*Media{}
	if len(objectIDs) == 0 {
		return out, nil
	}
	list, err := s.mediaList(ctx, `select `+mediaColumns+` from media_attachments
		where object_id = any($1) order by object_id, position`, objectIDs)
	for _, m := range list {
		out[*m.ObjectID] = append(out[*m.ObjectID], m)
	}
	return out, err
}

// ProfileMediaOf loads the avatars and headers of these actors, by actor
// and purpose.
func (s *Store) ProfileMediaOf(ctx context.Context, actorIDs []int64) (map[int64]map[string]*Media, error) {
	out := map[int64]map[string]*Media{}
	if len(actorIDs) == 0 {
		return out, nil
	}
	list, err := s.mediaList(ctx, `select `+mediaColumns+` from media_attachments
		where actor_id = any($1) and purpose <> 'attachment'`, actorIDs)
	for _, m := range list {
		if out[m.ActorID] == nil {
			out[m.ActorID] = map[string]*Media{}
		}
		out[m.ActorID][m.Purpose] = m
	}
	return out, err
}

// ReplaceProfileMedia makes m the actor's avatar or header (m.Purpose),
// and returns the one it replaces (nil when none).
func (s *Store) ReplaceProfileMedia(ctx context.Context, m *Media) (*Media, error) {
	old, err := s.mediaList(ctx, `delete from media_attachments where actor_id = $1 and purpose = $2
		returning `+mediaColumns, m.ActorID, m.Purpose)
	if err != nil {
		return nil, err
	}
	if err := s.CreateMedia(ctx, m); err != nil {
		return nil, err
	}
	if len(old) == 0 {
		return nil, nil
	}
	return old[0], nil
}

// DeleteStaleMedia removes the uploads never attached to a post since
// before, and the attachments of deleted posts, and returns them so that
// their bytes can go too.
func (s *Store) DeleteStaleMedia(ctx context.Context, before time.Time) ([]*Media, error) {
	return s.mediaList(ctx, `delete from media_attachments where id in (
		select id from media_attachments where object_id is null and purpose = 'attachment' and created_at < $1
		union all
		select m.id from media_attachments m join objects o on o.id = m.object_id where o.deleted_at is not null
		) returning `+mediaColumns, before)
}

// DeleteMedia removes a picture's row.
func (s *Store) DeleteMedia(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `delete from media_attachments where id = $1`, id)
	return err
}

// ProfileMedia loads an actor's avatar and header (none, one or both).
func (s *Store) ProfileMedia(ctx context.Context, actorID int64) ([]*Media, error) {
	return s.mediaList(ctx, `select `+mediaColumns+` from media_attachments
		where actor_id = $1 and purpose <> 'attachment' order by purpose`, actorID)
}
