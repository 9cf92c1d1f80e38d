package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Document is a file shared in a group: its object row (name, description
// as Summary, group, author) plus folder and versions.
type Document struct {
	*Object
	Folder         string
	CurrentVersion int
	Versions       []Version // newest first
}

// Current is the version in force.
func (d *Document) Current() *Version {
	for i := range d.Versions {
		if d.Versions[i].Version == d.CurrentVersion {
			return &d.Versions[i]
		}
	}
	return nil
}

// Version is one upload of a document.
type Version struct {
	ObjectID   int64     `json:"-"`
	Version    int       `json:"version"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	MediaType  string    `json:"media_type"`
	FileName   string    `json:"file_name"`
	UploadedBy *int64    `json:"-"`
	SourceURL  string    `json:"-"`
	Stored     bool      `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
}

// CreateDocument adds the document row of an object.
func (s *Store) CreateDocument(ctx context.Context, objectID int64, folder string, version int) error {
	_, err := s.db.Exec(ctx, `insert into documents (object_id, folder, current_version) values ($1, $2, $3)
		on conflict (object_id) do nothing`, objectID, folder, version)
	return err
}

// AddVersion records a version and makes it current when it is the newest.
func (s *Store) AddVersion(ctx context.Context, v *Version) (bool, error) {
	tag, err := s.db.Exec(ctx, `insert into document_versions (object_id, version, sha256, size, media_type, file_name,
		uploaded_by, source_url, stored) values ($1,$2,$3,$4,$5,$6,$7,$8,$9) on conflict do nothing`,
		v.ObjectID, v.Version, v.SHA256, v.Size, v.MediaType, v.FileName, v.UploadedBy, v.SourceURL, v.Stored)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	_, err = s.db.Exec(ctx, `update documents set current_version = greatest(current_version, $2) where object_id = $1`,
		v.ObjectID, v.Version)
	return true, err
}

// MarkStored records that a version's bytes are now in our storage.
func (s *Store) MarkStored(ctx context.Context, objectID int64, version int) error {
	_, err := s.db.Exec(ctx, `update document_versions set stored = true where object_id = $1 and version = $2`, objectID, version)
	return err
}

// MoveDocument renames a document and moves it to another folder.
func (s *Store) MoveDocument(ctx context.Context, objectID int64, name, folder, description string, at time.Time) error {
	if _, err := s.db.Exec(ctx, `update objects set name = $2, summary = $3, updated = $4 where id = $1`, objectID, name, description, at); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `update documents set folder = $2 where object_id = $1`, objectID, folder)
	return err
}

// DocumentByObjectID loads a document with its versions.
func (s *Store) DocumentByObjectID(ctx context.Context, id int64) (*Document, error) {
	obj, err := s.ObjectByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.documentOf(ctx, obj)
}

// DocumentByURI loads a document by its ActivityPub id.
func (s *Store) DocumentByURI(ctx context.Context, uri string) (*Document, error) {
	obj, err := s.ObjectByURI(ctx, uri)
	if err != nil {
		return nil, err
	}
	return s.documentOf(ctx, obj)
}

func (s *Store) documentOf(ctx context.Context, obj *Object) (*Document, error) {
	d := Document{Object: obj}
	err := s.db.QueryRow(ctx, `select folder, current_version from documents where object_id = $1`, obj.ID).
		Scan(&d.Folder, &d.CurrentVersion)
	if err != nil {
		return nil, notFoundOr(err)
	}
	rows, err := s.db.Query(ctx, `select object_id, version, sha256, size, media_type, file_name, uploaded_by, source_url,
		stored, created_at from document_versions where object_id = $1 order by version desc`, obj.ID)
	if err != nil {
		return nil, err
	}
	if d.Versions, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Version]); err != nil {
		return nil, err
	}
	return &d, nil
}

// DocumentQuery selects documents: in one group, or in every group a member
// belongs to; Text searches names and descriptions (French stemming, accents
// folded).
type DocumentQuery struct {
	GroupID  int64
	MemberID int64
	Folder   *string
	Text     string
	Limit    int
}

// Documents lists live documents, best match first when searching, newest
// first otherwise.
func (s *Store) Documents(ctx context.Context, q DocumentQuery) ([]*Document, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 100
	}
	folder := ""
	if q.Folder != nil {
		folder = *q.Folder
	}
	rows, err := s.db.Query(ctx, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join documents d on d.object_id = o.id join actors a on a.id = o.attributed_to
		where o.type = 'Document' and o.deleted_at is null
		  and ($1 = 0 or o.group_id = $1)
		  and ($2 = 0 or o.group_id in (select group_id from memberships where member_id = $2 and state = 'accepted'))
		  and (not $3 or d.folder = $4)
		  and ($5 = '' or o.search @@ websearch_to_tsquery('french', archipel_fold($5)))
		order by case when $5 = '' then 0 else ts_rank(o.search, websearch_to_tsquery('french', archipel_fold($5))) end desc,
		  o.id desc limit $6`, q.GroupID, q.MemberID, q.Folder != nil, folder, q.Text, q.Limit)
	if err != nil {
		return nil, err
	}
	objs, err := collectObjects(rows)
	if err != nil {
		return nil, err
	}
	out := make([]*Document, 0, len(objs))
	byID := make(map[int64]*Document, len(objs))
	ids := make([]int64, 0, len(objs))
	for _, o := range objs {
		d := &Document{Object: o}
		out, byID[o.ID], ids = append(out, d), d, append(ids, o.ID)
	}
	// The documents' rows and versions, for the whole page at once.
	drows, err := s.db.Query(ctx, `select object_id, folder, current_version from documents where object_id = any($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer drows.Close()
	for drows.Next() {
		var id int64
		var folder string
		var current int
		if err := drows.Scan(&id, &folder, &current); err != nil {
			return nil, err
		}
		byID[id].Folder, byID[id].CurrentVersion = folder, current
	}
	if err := drows.Err(); err != nil {
		return nil, err
	}
	vrows, err := s.db.Query(ctx, `select object_id, version, sha256, size, media_type, file_name, uploaded_by, source_url,
		stored, created_at from document_versions where object_id = any($1) order by object_id, version desc`, ids)
	if err != nil {
		return nil, err
	}
	versions, err := pgx.CollectRows(vrows, pgx.RowToStructByPos[Version])
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		byID[v.ObjectID].Versions = append(byID[v.ObjectID].Versions, v)
	}
	return out, nil
}

// GroupHasFile tells whether a live document of a group has a version with
// these bytes (the group's file endpoint serves only those).
func (s *Store) GroupHasFile(ctx context.Context, groupID int64, sha string) (*Version, error) {
	rows, err := s.db.Query(ctx, `select v.object_id, v.version, v.sha256, v.size, v.media_type, v.file_name, v.uploaded_by,
		v.source_url, v.stored, v.created_at from document_versions v join objects o on o.id = v.object_id
		where o.group_id = $1 and o.deleted_at is null and v.sha256 = $2 and v.stored limit 1`, groupID, sha)
	if err != nil {
		return nil, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Version])
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &v, nil
}

// BlobInUse tells whether any version or picture still refers to these
// bytes (storage keeps one copy of the same bytes for all).
func (s *Store) BlobInUse(ctx context.Context, sha string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from document_versions where sha256 = $1 and stored)
		or exists (select 1 from media_attachments where sha256 = $1 or preview_sha256 = $1)`, sha).Scan(&ok)
	return ok, err
}

// StoredVersionsBySHA lists live versions whose bytes are these and are in
// our storage, with the group of their document.
func (s *Store) StoredVersionsBySHA(ctx context.Context, sha string) ([]Version, []int64, error) {
	rows, err := s.db.Query(ctx, `select v.object_id, v.version, v.sha256, v.size, v.media_type, v.file_name, v.uploaded_by,
		v.source_url, v.stored, v.created_at, o.group_id from document_versions v join objects o on o.id = v.object_id
		where v.sha256 = $1 and v.stored and o.deleted_at is null and o.group_id is not null`, sha)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var vs []Version
	var groups []int64
	for rows.Next() {
		var v Version
		var g int64
		if err := rows.Scan(&v.ObjectID, &v.Version, &v.SHA256, &v.Size, &v.MediaType, &v.FileName, &v.UploadedBy,
			&v.SourceURL, &v.Stored, &v.CreatedAt, &g); err != nil {
			return nil, nil, err
		}
		vs = append(vs, v)
		groups = append(groups, g)
	}
	return vs, groups, rows.Err()
}
