package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SkillSuggestion is a skill of the node's vocabulary that an agent's
// own words point to.
type SkillSuggestion struct {
	Label string
	Score float64
}

// SkillSuggestions ranks, for one agent, the skills of the node's
// vocabulary (every label some person here or known here declared) that
// their posts, replies and documents, and the names and descriptions of the
// groups they are active in (posted in), speak of. Words are folded
// (accents, case: archipel_fold) and stemmed by PostgreSQL's French
// Snowball configuration, as the objects' search column already is; a
// skill matches a text holding every stem of its label. The score is
// TF-IDF: how many of the agent's texts match, times the log of how rare
// the skill is among the node's authors. Skills the agent has, or
// dismissed, are left out.
func (s *Store) SkillSuggestions(ctx context.Context, actorID int64, limit int) ([]SkillSuggestion, error) {
	rows, err := s.db.Query(ctx, `with
	vocab as (select distinct on (folded) folded, label, plainto_tsquery('french', folded) q from skills order by folded, label),
	texts as (
		select o.attributed_to actor, o.search doc from objects o
		where o.deleted_at is null and o.type in ('Note', 'Article', 'Page', 'Question', 'Document')
			and o.attributed_to in (select id from actors where local and type = 'Person')
		union all
		select m.member_id, to_tsvector('french', archipel_fold(g.display_name || ' ' || g.summary))
		from memberships m join actors g on g.id = m.group_id
		where m.state = 'accepted' and exists (select 1 from objects o where o.group_id = m.group_id
			and o.attributed_to = m.member_id and o.deleted_at is null)),
	mine as (select v.folded, v.label, v.q, count(*) tf from vocab v join texts t on t.actor = $1 and t.doc @@ v.q
		where numnode(v.q) > 0
			and not exists (select 1 from skills k where k.actor_id = $1 and k.folded = v.folded)
			and not exists (select 1 from skill_dismissals d where d.actor_id = $1 and d.folded = v.folded)
		group by v.folded, v.label, v.q),
	authors as (select greatest(count(distinct actor), 1) n from texts)
	select m.label, m.tf * ln(1 + authors.n::float8 / (select count(distinct t.actor) from texts t where t.doc @@ m.q)) score
	from mine m, authors order by score desc, m.label limit $2`, actorID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (SkillSuggestion, error) {
		var sg SkillSuggestion
		err := row.Scan(&sg.Label, &sg.Score)
		return sg, err
	})
}

// DismissSkill records that an agent does not want a skill suggested again.
func (s *Store) DismissSkill(ctx context.Context, actorID int64, label string) error {
	_, err := s.db.Exec(ctx, `insert into skill_dismissals (actor_id, folded) values ($1, archipel_fold($2))
		on conflict do nothing`, actorID, label)
	return err
}
