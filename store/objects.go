package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// Object visibilities (Mastodon's words, plus "group" for group posts).
const (
	ObjPublic   = "public"
	ObjUnlisted = "unlisted"
	ObjPrivate  = "private" // followers only
	ObjDirect   = "direct"
	ObjGroup    = "group" // members of GroupID only
)

// Object is a note or document, local or remote.
type Object struct {
	ID           int64
	URI          string
	Type         string
	Local        bool
	AttributedTo int64
	InReplyTo    string
	GroupID      *int64
	Visibility   string
	Name         string
	Summary      string
	Content      string
	URL          string
	Raw          json.RawMessage
	Published    time.Time
	Updated      *time.Time
	DeletedAt    *time.Time
	// Sensitive hides the content behind the Summary (a content warning).
	Sensitive bool
	// Language is the post's ISO 639 code ("" when unknown).
	Language string
	// Author is filled by the queries that join it.
	Author *Actor
}

const objectColumns = `id, uri, type, local, attributed_to, in_reply_to, group_id, visibility, name, summary,
	content, url, raw, published, updated, deleted_at, sensitive, language`

// CreateObject inserts an object. When an object with the same URI exists it
// is left as it is and created is false (inbound deliveries repeat).
func (s *Store) CreateObject(ctx context.Context, o *Object) (created bool, err error) {
	if o.Published.IsZero() {
		o.Published = time.Now()
	}
	err = s.db.QueryRow(ctx, `insert into objects (uri, type, local, attributed_to, in_reply_to, group_id,
		visibility, name, summary, content, url, raw, published, updated, sensitive, language)
		values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)
		on conflict (uri) do nothing returning id`,
		o.URI, o.Type, o.Local, o.AttributedTo, o.InReplyTo, o.GroupID, o.Visibility, o.Name, o.Summary,
		o.Content, o.URL, nullJSON(o.Raw), o.Published, o.Updated, o.Sensitive, o.Language).Scan(&o.ID)
	if err = notFoundOr(err); err == ErrNotFound {
		return false, nil
	}
	if err == nil && (IsPostType(o.Type) || o.Type == ShareType) {
		s.changed(ctx, Change{Kind: ChangeStatus, ObjectID: o.ID})
	}
	return err == nil, err
}

// SetObjectURI gives a freshly created local object its final URI (local URIs
// contain the row id).
func (s *Store) SetObjectURI(ctx context.Context, id int64, uri, url string) error {
	_, err := s.db.Exec(ctx, `update objects set uri = $2, url = $3 where id = $1`, id, uri, url)
	return err
}

// UpdateObject writes new content of an object; the version it replaces is
// kept in status_edits (Mastodon's history).
func (s *Store) UpdateObject(ctx context.Context, o *Object) error {
	now := time.Now()
	if o.Updated == nil {
		o.Updated = &now
	}
	_, err := s.db.Exec(ctx, `with before as (
		  insert into status_edits (object_id, content, summary, sensitive, created_at)
		  select id, content, summary, sensitive, coalesce(updated, published) from objects where id = $1)
		update objects set name = $2, summary = $3, content = $4, raw = coalesce($5, raw),
		updated = $6, sensitive = $7, language = coalesce(nullif($8, ''), language) where id = $1`,
		o.ID, o.Name, o.Summary, o.Content, nullJSON(o.Raw), o.Updated, o.Sensitive, o.Language)
	if err == nil {
		s.changed(ctx, Change{Kind: ChangeStatusUpdate, ObjectID: o.ID})
	}
	return err
}

// StatusEdit is an earlier version of an edited post.
type StatusEdit struct {
	Content, Summary string
	Sensitive        bool
	CreatedAt        time.Time
}

// StatusEdits lists the earlier versions of a post, oldest first.
func (s *Store) StatusEdits(ctx context.Context, objectID int64) ([]StatusEdit, error) {
	rows, err := s.db.Query(ctx, `select content, summary, sensitive, created_at from status_edits
		where object_id = $1 order by id`, objectID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[StatusEdit])
}

// DeleteObject marks an object deleted and clears its content: what remains is
// a tombstone, so a late duplicate Create cannot bring it back. Its
// notifications go with it.
func (s *Store) DeleteObject(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `with gone as (delete from notifications where object_id = $1)
		update objects set deleted_at = coalesce(deleted_at, now()), content = '', name = '',
		summary = '', raw = null where id = $1`, id)
	if err == nil {
		s.changed(ctx, Change{Kind: ChangeDelete, ObjectID: id})
	}
	return err
}

// ObjectByID loads an object with its author.
func (s *Store) ObjectByID(ctx context.Context, id int64) (*Object, error) {
	return s.objectWhere(ctx, `o.id = $1`, id)
}

// ObjectByURI loads an object with its author.
func (s *Store) ObjectByURI(ctx context.Context, uri string) (*Object, error) {
	return s.objectWhere(ctx, `o.uri = $1`, uri)
}

func (s *Store) objectWhere(ctx context.Context, where string, args ...any) (*Object, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to where `+where+` limit 1`, args...)
	if err != nil {
		return nil, err
	}
	list, err := collectObjects(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return list[0], nil
}

type objectRows interface {
	Next() bool
	Scan(dest ...any) error
	Close()
	Err() error
}

// collectObjects scans rows of objectColumns followed by actorColumns.
func collectObjects(rows objectRows) ([]*Object, error) {
	defer rows.Close()
	var out []*Object
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// scanObject scans a row whose first columns go to pre, followed by
// objectColumns and actorColumns.
func scanObject(row rowScanner, pre ...any) (*Object, error) {
	var o Object
	var raw []byte
	author, err := scanActorAfter(row, append(pre, &o.ID, &o.URI, &o.Type, &o.Local, &o.AttributedTo, &o.InReplyTo, &o.GroupID,
		&o.Visibility, &o.Name, &o.Summary, &o.Content, &o.URL, &raw, &o.Published, &o.Updated, &o.DeletedAt,
		&o.Sensitive, &o.Language)...)
	if err != nil {
		return nil, err
	}
	o.Raw = raw
	o.Author = author
	return &o, nil
}

// postTypes are the object types timelines show (documents have their own
// lists): notes, and the articles, pages and questions of other software.
const postTypes = `('Note', 'Article', 'Page', 'Question')`

// IsPostType tells whether an object type is a post (what postTypes lists).
func IsPostType(t string) bool {
	return t == "Note" || t == "Article" || t == "Page" || t == "Question"
}

// Page is Mastodon's keyset paging on ids, newest first: MaxID excludes ids
// at or above it; SinceID and MinID exclude ids at or below them. With
// SinceID the page is the newest after it; with MinID it is the oldest just
// after it (the page before, for a client scrolling up), still returned
// newest first, as Mastodon does.
type Page struct {
	MaxID   int64
	SinceID int64
	MinID   int64
	Limit   int
}

// Page sizes: Mastodon's default and largest.
const (
	DefaultPageSize = 20
	MaxPageSize     = 80
)

func (p Page) normalised() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageSize
	}
	p.Limit = min(p.Limit, MaxPageSize)
	if p.MaxID <= 0 {
		p.MaxID = 1<<63 - 1
	}
	return p
}

// lower is the id a page's items are above.
func (p Page) lower() int64 { return max(p.SinceID, p.MinID, 0) }

// order is the SQL order that selects the page's items: ascending from
// MinID, descending otherwise.
func (p Page) order() string {
	if p.MinID > 0 {
		return "asc"
	}
	return "desc"
}

// inOrder puts a page selected in p.order() newest first.
func inOrder[T any](p Page, list []T) []T {
	if p.MinID > 0 {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	return list
}

// queryObjects runs a page query of objects with their authors, whose SQL
// orders by o.id in p.order().
func (s *Store) queryObjects(ctx context.Context, p Page, sql string, args ...any) ([]*Object, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	list, err := collectObjects(rows)
	return inOrder(p, list), err
}

// ShareType is the type of the objects that record a followed person's
// share (boost) of a post: their URL is the shared post's URI.
const ShareType = "Announce"

// SharedPosts loads, by URI, the live posts some shares point to.
func (s *Store) SharedPosts(ctx context.Context, uris []string) (map[string]*Object, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.uri = any($1) and o.deleted_at is null and o.type in `+postTypes+` and o.visibility in ('public', 'unlisted')`, uris)
	if err != nil {
		return nil, err
	}
	list, err := collectObjects(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Object, len(list))
	for _, o := range list {
		out[o.URI] = o
	}
	return out, nil
}

// ShareOf returns an actor's live share of a post.
func (s *Store) ShareOf(ctx context.Context, actorID int64, uri string) (*Object, error) {
	return s.objectWhere(ctx, `o.type = 'Announce' and o.attributed_to = $1 and o.url = $2 and o.deleted_at is null`, actorID, uri)
}

// SharedByActor tells which of these posts an actor has shared.
func (s *Store) SharedByActor(ctx context.Context, actorID int64, uris []string) (map[string]bool, error) {
	rows, err := s.db.Query(ctx, `select url from objects where type = 'Announce' and attributed_to = $1 and url = any($2)
		and deleted_at is null`, actorID, uris)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	out := make(map[string]bool, len(list))
	for _, u := range list {
		out[u] = true
	}
	return out, err
}

// CountShares counts the live shares of posts, by URI.
func (s *Store) CountShares(ctx context.Context, uris []string) (map[string]int64, error) {
	rows, err := s.db.Query(ctx, `select url, count(*) from objects where type = 'Announce' and url = any($1)
		and deleted_at is null group by url`, uris)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(uris))
	var uri string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&uri, &n}, func() error {
		out[uri] = n
		return nil
	})
	return out, err
}

// HomeTimeline lists, newest first, what an actor sees at home: its own posts,
// the posts of those it follows (public, unlisted or followers-only), posts in
// groups it belongs to or follows, direct posts that mention it, public
// posts with a hashtag it follows, and the shares of
// those it follows (ShareType rows, resolved with SharedPosts), less what
// its blocks, mutes and domain blocks hide and the posts of the members of
// its exclusive lists.
//
// The query starts from the reader's sources, not from objects: for each
// followed person, group, mention list and hashtag it takes at most one
// page from that source's index (objects_author, objects_group,
// mentions_actor, object_tags_name), newest first from the page's bound, and
// only then merges and cuts the page, and reads the page's rows by id (so
// an empty set of candidates costs nothing either). Its cost grows with what the reader
// follows, never with the size of objects (issue 18: a reader following one
// person walked the whole table by id before). Each branch keeps exactly
// the rows its rule lets in, so the merged page is the same as the rule's.
func (s *Store) HomeTimeline(ctx context.Context, actorID int64, p Page) ([]*Object, error) {
	p = p.normalised()
	page := `o.deleted_at is null and ` + byID("o.id", p)
	return s.queryObjects(ctx, p, `with candidates as (
		  (select o.id from objects o where o.attributed_to = $1
		     and (o.type in `+postTypes+` or o.type = 'Announce') and `+page+`)
		  union all
		  (select x.id from follows f cross join lateral (select o.id from objects o
		     where o.attributed_to = f.followee_id and ((o.type in `+postTypes+` and o.group_id is null
		       and o.visibility in ('public', 'unlisted', 'private')) or (o.type = 'Announce' and f.show_reblogs)) and `+page+`) x
		   where f.follower_id = $1 and f.state = 'accepted')
		  union all
		  (select x.id from (select group_id as g from memberships where member_id = $1 and state = 'accepted'
		       union select followee_id from follows where follower_id = $1 and state = 'accepted') gs
		   cross join lateral (select o.id from objects o where o.group_id = gs.g and o.type in `+postTypes+`
		     and `+page+`) x)
		  union all
		  (select m.object_id from mentions m join objects o on o.id = m.object_id where m.actor_id = $1
		     and o.type in `+postTypes+` and o.deleted_at is null and `+byID("m.object_id", p)+`)
		  union all
		  (select x.id from followed_tags f cross join lateral (select t.object_id as id from object_tags t
		     join objects o on o.id = t.object_id where t.name = f.name and o.group_id is null
		     and o.visibility = 'public' and o.type in `+postTypes+` and o.deleted_at is null
		     and `+byID("t.object_id", p)+`) x
		   where f.actor_id = $1))
		select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from (select distinct id from candidates order by id `+p.order()+` limit $4) c
		join objects o on o.id = c.id join actors a on a.id = o.attributed_to
		where not `+postHiddenSQL("$1::bigint", HideInTimelines)+`
		  and (o.attributed_to = $1 or o.attributed_to not in (select la.account_id from list_accounts la
		      join lists l on l.id = la.list_id where l.owner_id = $1 and l.exclusive))
		order by o.id `+p.order()+` limit $4`, actorID, p.MaxID, p.lower(), p.Limit)
}

// byID bounds and orders one branch of a paged query by an id column
// ($2 and $3 the page's bounds, $4 its size).
func byID(column string, p Page) string {
	return column + ` < $2 and ` + column + ` > $3 order by ` + column + ` ` + p.order() + ` limit $4`
}

// AuthorObjects lists an actor's public objects, newest first (outbox, profile).
func (s *Store) AuthorObjects(ctx context.Context, actorID int64, p Page) ([]*Object, error) {
	p = p.normalised()
	return s.queryObjects(ctx, p, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.attributed_to = $1 and o.deleted_at is null and o.type in `+postTypes+` and o.visibility in ('public', 'unlisted')
		  and o.id < $2 and o.id > $3
		order by o.id `+p.order()+` limit $4`, actorID, p.MaxID, p.lower(), p.Limit)
}

// CountAuthorObjects counts an actor's live objects.
func (s *Store) CountAuthorObjects(ctx context.Context, actorID int64) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select coalesce((select statuses from actor_stats where actor_id = $1), 0)`, actorID).Scan(&n)
	return n, err
}

// CountPublicAuthorObjects counts what an actor's outbox lists: its live
// public and unlisted posts (the others' number is nobody else's business).
func (s *Store) CountPublicAuthorObjects(ctx context.Context, actorID int64) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select count(*) from objects where attributed_to = $1 and deleted_at is null
		and type in `+postTypes+` and visibility in ('public', 'unlisted')`, actorID).Scan(&n)
	return n, err
}

// CountGroupPosts counts a group's live posts.
func (s *Store) CountGroupPosts(ctx context.Context, groupID int64) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select count(*) from objects where group_id = $1 and deleted_at is null and type in `+postTypes, groupID).Scan(&n)
	return n, err
}

// CountLocalPosts counts this node's live notes, for NodeInfo.
func (s *Store) CountLocalPosts(ctx context.Context) (int64, error) {
	var n int64
	// Posts of secret groups are not counted: those groups do not exist
	// for the outsiders who read the count.
	err := s.db.QueryRow(ctx, `select count(*) from objects o where local and type in `+postTypes+` and deleted_at is null
		and not exists (select 1 from groups g where g.actor_id = o.group_id and g.visibility = 'secret')`).Scan(&n)
	return n, err
}

// AddMention records that an object mentions an actor.
func (s *Store) AddMention(ctx context.Context, objectID, actorID int64) error {
	_, err := s.db.Exec(ctx, `insert into mentions (object_id, actor_id) values ($1, $2) on conflict do nothing`, objectID, actorID)
	return err
}

// IsMentioned tells whether an object mentions an actor.
func (s *Store) IsMentioned(ctx context.Context, objectID, actorID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from mentions where object_id = $1 and actor_id = $2)`, objectID, actorID).Scan(&ok)
	return ok, err
}

// MentionedActors lists the actors an object mentions.
func (s *Store) MentionedActors(ctx context.Context, objectID int64) ([]*Actor, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("a", actorColumns)+` from mentions m join actors a on a.id = m.actor_id
		where m.object_id = $1`, objectID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Actor, error) { return scanActor(r) })
}

// SetMentions replaces the actors a local post mentions (an edit may name
// other people).
func (s *Store) SetMentions(ctx context.Context, objectID int64, actorIDs []int64) error {
	_, err := s.db.Exec(ctx, `with gone as (delete from mentions where object_id = $1 and not (actor_id = any($2)))
		insert into mentions (object_id, actor_id) select $1, unnest($2::bigint[]) on conflict do nothing`, objectID, actorIDs)
	return err
}

// MentionedActorsOf lists the actors several objects mention (a page), by
// object id, in a stable order.
func (s *Store) MentionedActorsOf(ctx context.Context, objectIDs []int64) (map[int64][]*Actor, error) {
	out := make(map[int64][]*Actor, len(objectIDs))
	rows, err := s.db.Query(ctx, `select m.object_id, `+prefixed("a", actorColumns)+` from mentions m join actors a on a.id = m.actor_id
		where m.object_id = any($1) order by m.object_id, a.id`, objectIDs)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		a, err := scanActorAfter(rows, &id)
		if err != nil {
			return out, err
		}
		out[id] = append(out[id], a)
	}
	return out, rows.Err()
}

// ObjectsByIDs loads objects with their authors, by id, in one query.
func (s *Store) ObjectsByIDs(ctx context.Context, ids []int64) (map[int64]*Object, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to where o.id = any($1)`, ids)
	if err != nil {
		return nil, err
	}
	list, err := collectObjects(rows)
	out := make(map[int64]*Object, len(list))
	for _, o := range list {
		out[o.ID] = o
	}
	return out, err
}

// ObjectsByURIs loads objects with their authors, by URI, in one query.
func (s *Store) ObjectsByURIs(ctx context.Context, uris []string) (map[string]*Object, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to where o.uri = any($1)`, uris)
	if err != nil {
		return nil, err
	}
	list, err := collectObjects(rows)
	out := make(map[string]*Object, len(list))
	for _, o := range list {
		out[o.URI] = o
	}
	return out, err
}

// hasMediaSQL is true for an objects row o that carries attachments (as a
// peer sent them, in its raw document): the only_media filter.
const hasMediaSQL = `(jsonb_typeof(o.raw->'attachment') = 'object'
	  or (jsonb_typeof(o.raw->'attachment') = 'array' and jsonb_array_length(o.raw->'attachment') > 0))`

// AccountStatusFilter selects an account's statuses as Mastodon's
// /accounts/:id/statuses does.
type AccountStatusFilter struct {
	AuthorID int64
	// ViewerID is the reader (0: anonymous): what they may read, less what
	// their blocks and domain blocks hide.
	ViewerID int64
	// ExcludeReplies leaves out replies, except the author's answers to
	// themselves (threads), as Mastodon does.
	ExcludeReplies, ExcludeReblogs, OnlyMedia, Pinned bool
	// Tagged keeps the posts with this hashtag ("" for any).
	Tagged string
}

// AccountStatuses lists an account's posts and shares the viewer may read,
// newest first.
func (s *Store) AccountStatuses(ctx context.Context, f AccountStatusFilter, p Page) ([]*Object, error) {
	p = p.normalised()
	return s.queryObjects(ctx, p, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.attributed_to = $1 and o.deleted_at is null and o.id < $3 and o.id > $4
		  and ((o.type in `+postTypes+` and `+visibleSQL("$2::bigint")+`) or (o.type = 'Announce' and not $6))
		  and (not $5 or o.in_reply_to = '' or exists (select 1 from objects rp where rp.uri = o.in_reply_to and rp.attributed_to = o.attributed_to))
		  and (not $7 or `+hasMediaSQL+`)
		  and (not $8 or o.id in (select object_id from pins where actor_id = $1))
		  and ($9 = '' or o.id in (select object_id from object_tags where name = $9))
		  and not `+postHiddenSQL("$2::bigint", HideContent)+`
		order by o.id `+p.order()+` limit $10`, f.AuthorID, f.ViewerID, p.MaxID, p.lower(), f.ExcludeReplies,
		f.ExcludeReblogs, f.OnlyMedia, f.Pinned, NormaliseTag(f.Tagged), p.Limit)
}
