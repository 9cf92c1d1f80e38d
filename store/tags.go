package store

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"
)

// MaxTagsPerObject bounds the hashtags kept for one post; a peer's post
// with more keeps the first ones.
const MaxTagsPerObject = 30

// maxTagLength bounds one tag name, in bytes (the table's check).
const maxTagLength = 100

// NormaliseTag is the form a hashtag is stored and looked up in: without
// its "#", lower-cased, made of letters, digits and underscores with at
// least one letter (Mastodon's rule), or "" when name is no hashtag.
func NormaliseTag(name string) string {
	name = strings.ToLower(norm.NFC.String(strings.TrimPrefix(strings.TrimSpace(name), "#")))
	if name == "" || len(name) > maxTagLength {
		return ""
	}
	letter := false
	for _, r := range name {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r) || r == '_':
		default:
			return ""
		}
	}
	if !letter {
		return ""
	}
	return name
}

// SetObjectTags replaces the hashtags of a post by names (normalised here;
// those that are no hashtag are dropped, repeats kept once).
func (s *Store) SetObjectTags(ctx context.Context, objectID int64, names []string) error {
	clean := make([]string, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		if n = NormaliseTag(n); n != "" && !seen[n] && len(clean) < MaxTagsPerObject {
			seen[n] = true
			clean = append(clean, n)
		}
	}
	_, err := s.db.Exec(ctx, `with gone as (delete from object_tags where object_id = $1 and not (name = any($2)))
		insert into object_tags (object_id, name) select $1, unnest($2::text[]) on conflict do nothing`, objectID, clean)
	return err
}

// ObjectTags returns the hashtags of a post, by name.
func (s *Store) ObjectTags(ctx context.Context, objectID int64) ([]string, error) {
	tags, err := s.ObjectTagsOf(ctx, []int64{objectID})
	return tags[objectID], err
}

// ObjectTagsOf returns the hashtags of several posts at once (a page), by
// object id.
func (s *Store) ObjectTagsOf(ctx context.Context, objectIDs []int64) (map[int64][]string, error) {
	out := make(map[int64][]string, len(objectIDs))
	rows, err := s.db.Query(ctx, `select object_id, name from object_tags where object_id = any($1) order by object_id, name`, objectIDs)
	if err != nil {
		return out, err
	}
	var id int64
	var name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		out[id] = append(out[id], name)
		return nil
	})
	return out, err
}

// SetTagFollow follows or unfollows a hashtag.
func (s *Store) SetTagFollow(ctx context.Context, actorID int64, name string, on bool) error {
	sql := `delete from followed_tags where actor_id = $1 and name = $2`
	if on {
		sql = `insert into followed_tags (actor_id, name) values ($1, $2) on conflict do nothing`
	}
	_, err := s.db.Exec(ctx, sql, actorID, NormaliseTag(name))
	return err
}

// FollowedTag is a hashtag someone follows, with the id its list pages on.
type FollowedTag struct {
	ID   int64
	Name string
}

// FollowedTags lists the hashtags an actor follows, the latest first.
func (s *Store) FollowedTags(ctx context.Context, actorID int64, p Page) ([]FollowedTag, error) {
	p = p.normalised()
	rows, err := s.db.Query(ctx, `select id, name from followed_tags where actor_id = $1 and id < $2 and id > $3
		order by id `+p.order()+` limit $4`, actorID, p.MaxID, p.lower(), p.Limit)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[FollowedTag])
	return inOrder(p, list), err
}

// FollowsTags tells which of these hashtags an actor follows.
func (s *Store) FollowsTags(ctx context.Context, actorID int64, names []string) (map[string]bool, error) {
	rows, err := s.db.Query(ctx, `select name from followed_tags where actor_id = $1 and name = any($2)`, actorID, names)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	out := make(map[string]bool, len(list))
	for _, n := range list {
		out[n] = true
	}
	return out, err
}

// TagDay is one day of a hashtag's use (Mastodon's Tag.history).
type TagDay struct {
	Day      time.Time
	Uses     int64
	Accounts int64
}

// TagHistory counts a hashtag's public posts and their authors per day over
// the last week, the latest day first.
func (s *Store) TagHistory(ctx context.Context, name string) ([]TagDay, error) {
	// The newest tagged posts only (ids grow with time): a popular tag costs
	// the same as a rare one.
	rows, err := s.db.Query(ctx, `with recent as (
		  select o.published, o.attributed_to, o.id from object_tags t join objects o on o.id = t.object_id
		  where t.name = $1 and o.deleted_at is null and o.visibility = 'public' and o.group_id is null
		  order by t.object_id desc limit 10000)
		select d.day, count(r.id), count(distinct r.attributed_to)
		from generate_series(date_trunc('day', now()) - interval '6 days', date_trunc('day', now()), interval '1 day') d(day)
		left join recent r on r.published >= d.day and r.published < d.day + interval '1 day'
		group by d.day order by d.day desc`, NormaliseTag(name))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[TagDay])
}

// ValidTag tells whether a name is a hashtag in its stored form (what
// NormaliseTag makes of it).
func ValidTag(name string) bool { return name != "" && NormaliseTag(name) == name }
