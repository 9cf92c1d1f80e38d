package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Group visibilities and join policies.
const (
	VisibilityPublic  = "public"
	VisibilityPrivate = "private"
	VisibilitySecret  = "secret"

	JoinOpen     = "open"
	JoinApproval = "approval"
	JoinInvite   = "invite"
)

// Membership roles and states.
const (
	MemberOwner    = "owner"
	MemberAnimator = "animator"
	MemberMember   = "member"

	StatePending  = "pending"
	StateInvited  = "invited"
	StateAccepted = "accepted"
	StateBanned   = "banned"
)

// Group is a group actor with its rules.
type Group struct {
	*Actor
	Visibility string
	JoinPolicy string
	StateOnly  bool
	MembersURI string
	CreatedBy  *int64
}

// CreateGroup inserts the group row of an existing Group actor.
func (s *Store) CreateGroup(ctx context.Context, g *Group) error {
	_, err := s.db.Exec(ctx, `insert into groups (actor_id, visibility, join_policy, state_only, members_uri, created_by)
		values ($1,$2,$3,$4,$5,$6)`, g.ID, g.Visibility, g.JoinPolicy, g.StateOnly, g.MembersURI, g.CreatedBy)
	return err
}

// GroupByActorID loads a group.
func (s *Store) GroupByActorID(ctx context.Context, id int64) (*Group, error) {
	a, err := s.ActorByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.groupOf(ctx, a)
}

// GroupOf loads the group rules of a Group actor.
func (s *Store) groupOf(ctx context.Context, a *Actor) (*Group, error) {
	g := Group{Actor: a}
	err := s.db.QueryRow(ctx, `select visibility, join_policy, state_only, members_uri, created_by
		from groups where actor_id = $1`, a.ID).Scan(&g.Visibility, &g.JoinPolicy, &g.StateOnly, &g.MembersURI, &g.CreatedBy)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &g, nil
}

// GroupOf loads the group rules of a Group actor.
func (s *Store) GroupOf(ctx context.Context, a *Actor) (*Group, error) { return s.groupOf(ctx, a) }

// Membership is one actor's place in a group.
type Membership struct {
	GroupID     int64
	MemberID    int64
	Role        string
	State       string
	ActivityURI string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Member      *Actor
}

// SetMembership creates or replaces a membership.
func (s *Store) SetMembership(ctx context.Context, m *Membership) error {
	_, err := s.db.Exec(ctx, `insert into memberships (group_id, member_id, role, state, activity_uri)
		values ($1,$2,$3,$4,$5) on conflict (group_id, member_id) do update set role = excluded.role,
		state = excluded.state, activity_uri = excluded.activity_uri, updated_at = now()`,
		m.GroupID, m.MemberID, m.Role, m.State, m.ActivityURI)
	return err
}

// MembershipOf returns an actor's membership in a group.
func (s *Store) MembershipOf(ctx context.Context, groupID, memberID int64) (*Membership, error) {
	m := Membership{GroupID: groupID, MemberID: memberID}
	err := s.db.QueryRow(ctx, `select role, state, activity_uri, created_at, updated_at from memberships
		where group_id = $1 and member_id = $2`, groupID, memberID).Scan(&m.Role, &m.State, &m.ActivityURI, &m.CreatedAt, &m.UpdatedAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &m, nil
}

// DeleteMembership removes an actor from a group.
func (s *Store) DeleteMembership(ctx context.Context, groupID, memberID int64) error {
	_, err := s.db.Exec(ctx, `delete from memberships where group_id = $1 and member_id = $2`, groupID, memberID)
	return err
}

// Members lists a group's memberships in a state, oldest first, with keyset
// paging on the member's actor id.
func (s *Store) Members(ctx context.Context, groupID int64, state string, afterID int64, limit int) ([]*Membership, error) {
	rows, err := s.db.Query(ctx, `select m.role, m.state, m.activity_uri, m.created_at, m.updated_at, `+prefixed("a", actorColumns)+`
		from memberships m join actors a on a.id = m.member_id
		where m.group_id = $1 and m.state = $2 and a.id > $3 order by a.id limit $4`, groupID, state, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Membership
	for rows.Next() {
		m := Membership{GroupID: groupID}
		a, err := scanActorAfter(rows, &m.Role, &m.State, &m.ActivityURI, &m.CreatedAt, &m.UpdatedAt)
		if err != nil {
			return nil, err
		}
		m.Member = a
		m.MemberID = a.ID
		out = append(out, &m)
	}
	return out, rows.Err()
}

// CountMembers counts accepted members.
func (s *Store) CountMembers(ctx context.Context, groupID int64) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select count(*) from memberships where group_id = $1 and state = 'accepted'`, groupID).Scan(&n)
	return n, err
}

// GroupFilter selects groups for listings.
type GroupFilter struct {
	// ViewerID, when set, also lists the secret groups the viewer belongs to.
	ViewerID   int64
	MemberOnly bool
	LocalOnly  bool
	Limit      int
	Offset     int
}

// Groups lists groups a viewer may see: public and private ones, and secret
// ones only where the viewer is a member.
func (s *Store) Groups(ctx context.Context, f GroupFilter) ([]*Group, error) {
	if f.Limit <= 0 || f.Limit > 80 {
		f.Limit = 40
	}
	rows, err := s.db.Query(ctx, `select g.actor_id from groups g join actors a on a.id = g.actor_id
		left join memberships m on m.group_id = g.actor_id and m.member_id = $1 and m.state = 'accepted'
		where (g.visibility <> 'secret' or m.member_id is not null)
		  and (not $2 or m.member_id is not null) and (a.local or not $3)
		order by a.display_name, a.id limit $4 offset $5`, f.ViewerID, f.MemberOnly, f.LocalOnly, f.Limit, f.Offset)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
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
