package store

import "context"

// StateOnlyGroupsOf lists the local State-only groups where an actor is a
// member, asked to join or was invited: what a change of tier re-checks.
func (s *Store) StateOnlyGroupsOf(ctx context.Context, memberID int64) ([]*Group, error) {
	rows, err := s.db.Query(ctx, `select g.actor_id from groups g
		join memberships m on m.group_id = g.actor_id and m.member_id = $1 and m.state in ('accepted', 'pending', 'invited')
		join actors a on a.id = g.actor_id and a.local
		where g.state_only order by g.actor_id`, memberID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*Group, 0, len(ids))
	for _, id := range ids {
		g, err := s.GroupByActorID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// MemberGroupInboxes lists the delivery inboxes of the remote groups an
// actor belongs to (or asked to join, or was invited to): the nodes that
// must learn of a change to the actor's profile, its tier above all.
func (s *Store) MemberGroupInboxes(ctx context.Context, memberID int64) ([]string, error) {
	rows, err := s.db.Query(ctx, `select distinct case when a.shared_inbox <> '' then a.shared_inbox else a.inbox end
		from memberships m join actors a on a.id = m.group_id and not a.local
		where m.member_id = $1 and m.state in ('accepted', 'pending', 'invited')`, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var in string
		if err := rows.Scan(&in); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}
