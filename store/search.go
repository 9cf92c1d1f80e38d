package store

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Search of posts and hashtags (people are found by Directory).

// StatusSearch is a full-text search of posts.
type StatusSearch struct {
	Text     string
	ViewerID int64 // 0: anonymous
	AuthorID int64 // only this author's posts (0: anyone's)
	Limit    int
	Offset   int
}

// SearchStatuses finds the live posts whose text matches, with the French
// full-text index the documents use (stemming, accents folded), newest
// first, keeping only what the viewer may read.
func (s *Store) SearchStatuses(ctx context.Context, q StatusSearch) ([]*Object, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.search @@ websearch_to_tsquery('french', archipel_fold($1)) and o.deleted_at is null
		  and o.type in `+postTypes+` and ($3 = 0 or o.attributed_to = $3) and `+visibleSQL("$2::bigint")+`
		  and not `+postHiddenSQL("$2::bigint", HideContent)+`
		order by o.id desc limit $4 offset $5`, q.Text, q.ViewerID, q.AuthorID, q.Limit, q.Offset)
	if err != nil {
		return nil, err
	}
	return collectObjects(rows)
}

// TagCount is a hashtag with how many posts carry it.
type TagCount struct {
	Name  string
	Posts int64
}

// SearchTags finds hashtags that start with a prefix, the most used first.
func (s *Store) SearchTags(ctx context.Context, prefix string, limit, offset int) ([]TagCount, error) {
	prefix = NormaliseTag(prefix)
	if prefix == "" {
		return nil, nil
	}
	escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)
	rows, err := s.db.Query(ctx, `select name, count(*) from object_tags where name like $1 || '%' escape '\'
		group by name order by name = $2 desc, count(*) desc, name limit $3 offset $4`, escaped, prefix, limit, offset)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[TagCount])
}
