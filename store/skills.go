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
func (s *Store) Directory(ctx context.Context, q DirectoryQuery) ([]*Actor, error) {
	if q.Limit <= 0 || q.Limit > 80 {
		q.Limit = 40
	}
	rows, err := s.db.Query(ctx, `
		with wanted as (select archipel_fold($1) as skill, archipel_fold($2) as text),
		scored as (
		  select a.id, greatest(
		    -- exact skill, then prefix, then closeness of the whole label and of its best word
		    coalesce((select max(similarity(sk.folded, w.skill) + word_similarity(w.skill, sk.folded)
		        + case when sk.folded like w.skill || '%' then 0.5 else 0 end
		        + case when sk.folded = w.skill then 1 else 0 end)
		      from skills sk where sk.actor_id = a.id), 0) * (case when w.skill = '' then 0 else 1 end),
		    case when w.text = '' then 0 else word_similarity(w.text,
		      archipel_fold(a.display_name || ' ' || a.username || ' ' || a.organisation || ' ' || a.unit_name)) end
		  ) as score
		  from actors a, wanted w
		  where a.type = 'Person' and a.deleted_at is null and (a.local or not $3) and not `+inactiveAccount("a")+`
		    and (w.skill = '' or exists (select 1 from skills sk where sk.actor_id = a.id and
		         (sk.folded like w.skill || '%' or sk.folded % w.skill or w.skill <% sk.folded)))
		    and (w.text = '' or w.text <% archipel_fold(a.display_name || ' ' || a.username || ' ' || a.organisation || ' ' || a.unit_name))
		)
		select `+prefixed("a", actorColumns)+` from scored join actors a using (id)
		order by scored.score desc, a.id limit $4 offset $5`,
		q.Skill, q.Text, q.LocalOnly, q.Limit, q.Offset)
	if err != nil {
		return nil, err
	}
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
