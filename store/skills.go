package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Skills lists an actor's skill labels alphabetically.
func (s *Store) Skills(ctx context.Context, actorID int64) ([]string, error) {
	rows, err := s.db.Query(ctx, `select label from skills where actor_id = $1 order by folded`, actorID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SetSkills replaces an actor's skills. Labels that fold to the same text
// (case, accents) are kept once; folding is done by PostgreSQL's
// archipel_fold so that storing and searching agree.
func (s *Store) SetSkills(ctx context.Context, actorID int64, labels []string) error {
	return s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.db.Exec(ctx, `delete from skills where actor_id = $1`, actorID); err != nil {
			return err
		}
		for _, l := range labels {
			if _, err := tx.db.Exec(ctx, `insert into skills (actor_id, label, folded)
				values ($1, $2, archipel_fold($2)) on conflict do nothing`, actorID, l); err != nil {
				return err
			}
		}
		return nil
	})
}

// DirectoryQuery filters the people directory.
type DirectoryQuery struct {
	Skill     string // matched by prefix, similarity or word similarity
	Text      string // name, username, organisation or unit
	LocalOnly bool
	Limit     int
	Offset    int
}

// Directory finds people by skill or name, best match first. Matching is
// accent- and case-insensitive and tolerates typos (pg_trgm).
//
// The candidates come from the trigram indexes (skills_folded_trgm for a
// skill, actors_name_trgm for a name), and only they are scored: the cost
// follows the number of matches, not the number of people the node knows.
func (s *Store) Directory(ctx context.Context, q DirectoryQuery) ([]*Actor, error) {
	if q.Limit <= 0 || q.Limit > 80 {
		q.Limit = 40
	}
	const name = `archipel_fold(a.display_name || ' ' || a.username || ' ' || a.organisation || ' ' || a.unit_name)`
	var candidates string
	bySkill := `select sk.actor_id as id,
		  -- exact skill, then prefix, then closeness of the whole label and of its best word
		  max(similarity(sk.folded, archipel_fold($1)) + word_similarity(archipel_fold($1), sk.folded)
		    + case when sk.folded like archipel_fold($1) || '%' then 0.5 else 0 end
		    + case when sk.folded = archipel_fold($1) then 1 else 0 end) as score
		from skills sk where sk.folded like archipel_fold($1) || '%' or sk.folded % archipel_fold($1)
		  or archipel_fold($1) <% sk.folded
		group by sk.actor_id`
	byName := `select a.id, word_similarity(archipel_fold($2), ` + name + `) as score
		from actors a where archipel_fold($2) <% ` + name
	switch {
	case q.Skill != "" && q.Text != "":
		candidates = `select s.id, greatest(s.score, t.score) as score from (` + bySkill + `) s join (` + byName + `) t using (id)`
	case q.Skill != "":
		candidates = bySkill
	case q.Text != "":
		candidates = byName
	default:
		candidates = `select id, 0::real as score from actors where type = 'Person'`
	}
	rows, err := s.db.Query(ctx, `with scored as (`+candidates+`)
		select `+prefixed("a", actorColumns)+` from scored join actors a using (id)
		where a.type = 'Person' and a.deleted_at is null and (a.local or not $3) and not `+inactiveAccount("a")+`
		  and $1::text is not null and $2::text is not null -- typed even when the candidates do not use them
		order by scored.score desc, a.id limit $4 offset $5`,
		q.Skill, q.Text, q.LocalOnly, q.Limit, q.Offset)
	if err != nil {
		return nil, err
	}
	return s.actorsWithSkills(ctx, rows)
}

// loadSkills fills the skills of a page of actors in one query.
func (s *Store) loadSkills(ctx context.Context, actors []*Actor) error {
	if len(actors) == 0 {
		return nil
	}
	byID := make(map[int64]*Actor, len(actors))
	ids := make([]int64, 0, len(actors))
	for _, a := range actors {
		byID[a.ID] = a
		ids = append(ids, a.ID)
	}
	rows, err := s.db.Query(ctx, `select actor_id, label from skills where actor_id = any($1) order by actor_id, folded`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var label string
		if err := rows.Scan(&id, &label); err != nil {
			return err
		}
		byID[id].Skills = append(byID[id].Skills, label)
	}
	return rows.Err()
}

// TopicQuery asks who is active on a topic.
type TopicQuery struct {
	Text     string  // the words, searched in the French full-text index
	ViewerID int64   // 0: anonymous; only what this reader may read counts
	Exclude  []int64 // people already listed (by declared skill)
	Limit    int
}

// ActiveOnTopic ranks people by how many of their live posts and documents
// match the words, counting only what the reader may read (visibleSQL, the
// rule of CanSee and CanReadGroupContent), so that a post in a private group
// tells nothing to a reader outside it. People who opted out of the
// observatory and accounts that may not act yet are left out.
func (s *Store) ActiveOnTopic(ctx context.Context, q TopicQuery) ([]*Actor, error) {
	if q.Limit <= 0 || q.Limit > 10 {
		q.Limit = 10
	}
	if q.Text == "" {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `with counted as (
		  select o.attributed_to as id, count(*) as n from objects o
		  where o.search @@ websearch_to_tsquery('french', archipel_fold($1)) and o.deleted_at is null
		    and o.type in ('Note', 'Article', 'Page', 'Question', 'Document') and `+visibleSQL("$2::bigint")+`
		  group by o.attributed_to)
		select `+prefixed("a", actorColumns)+` from counted join actors a using (id)
		where a.type = 'Person' and a.deleted_at is null and not (a.id = any($3)) and not `+inactiveAccount("a")+`
		  and not exists (select 1 from accounts oo where oo.actor_id = a.id and oo.observatory_opt_out)
		order by counted.n desc, a.id limit $4`, q.Text, q.ViewerID, q.Exclude, q.Limit)
	if err != nil {
		return nil, err
	}
	return s.actorsWithSkills(ctx, rows)
}

// actorsWithSkills reads a page of actors and fills their skills.
func (s *Store) actorsWithSkills(ctx context.Context, rows pgx.Rows) ([]*Actor, error) {
	var out []*Actor
	for rows.Next() {
		a, err := scanActor(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.loadSkills(ctx, out)
}
