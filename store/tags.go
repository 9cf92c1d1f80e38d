package store

import (
	"context"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
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
	name = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "#"))
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
