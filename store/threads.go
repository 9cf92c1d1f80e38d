package store

import "context"

// Bounds of a thread's context, as Mastodon bounds it.
const (
	maxThreadDepth  = 64
	maxDescendants  = 1000
	contextViewerID = "$3::bigint"
)

// Ancestors lists the live posts a post answers, up its chain of replies,
// the oldest first, keeping those viewerID (0: anonymous) may read.
func (s *Store) Ancestors(ctx context.Context, o *Object, viewerID int64) ([]*Object, error) {
	if o.InReplyTo == "" {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `with recursive up(uri, depth) as (
		  select $1::text, 1
		  union all
		  select p.in_reply_to, up.depth + 1 from up join objects p on p.uri = up.uri
		  where p.in_reply_to <> '' and up.depth < $2)
		select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from up join objects o on o.uri = up.uri join actors a on a.id = o.attributed_to
		where o.deleted_at is null and o.type in `+postTypes+` and `+visibleSQL(contextViewerID)+` and not `+postHiddenSQL(contextViewerID, HideContent)+`
		order by up.depth desc`, o.InReplyTo, maxThreadDepth, viewerID)
	if err != nil {
		return nil, err
	}
	return collectObjects(rows)
}

// Descendants lists the live replies to a post, to any depth, oldest first,
// keeping those viewerID (0: anonymous) may read.
func (s *Store) Descendants(ctx context.Context, o *Object, viewerID int64) ([]*Object, error) {
	rows, err := s.db.Query(ctx, `with recursive down(id, uri, depth) as (
		  select r.id, r.uri, 1 from objects r where r.in_reply_to = $1
		  union all
		  select r.id, r.uri, down.depth + 1 from down join objects r on r.in_reply_to = down.uri
		  where down.depth < $2)
		select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.id in (select id from down) and o.deleted_at is null and o.type in `+postTypes+`
		  and `+visibleSQL(contextViewerID)+` and not `+postHiddenSQL(contextViewerID, HideContent)+`
		order by o.id limit $4`, o.URI, maxThreadDepth, viewerID, maxDescendants)
	if err != nil {
		return nil, err
	}
	return collectObjects(rows)
}
