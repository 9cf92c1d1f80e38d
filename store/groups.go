package store

import (
	"context"
	"errors"
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
	return scanMembers(rows, groupID)
}

// scanMembers reads rows of membership columns followed by the member's
// actor columns.
func scanMembers(rows pgx.Rows, groupID int64) ([]*Membership, error) {
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

// Moderators lists the actor URIs of a group's owners and animators.
func (s *Store) Moderators(ctx context.Context, groupID int64) ([]string, error) {
	rows, err := s.db.Query(ctx, `select a.uri from memberships m join actors a on a.id = m.member_id
		where m.group_id = $1 and m.state = 'accepted' and m.role in ('owner', 'animator') order by m.created_at`, groupID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// GroupFilter selects groups for listings.
type GroupFilter struct {
	// ViewerID, when set, also lists the secret groups the viewer belongs to.
	ViewerID   int64
	MemberOnly bool
	// State is the membership state MemberOnly asks for (default accepted).
	State     string
	LocalOnly bool
	// Text, when set, keeps the groups whose name or handle is close to it
	// (as the directory finds people).
	Text   string
	Limit  int
	Offset int
}

// Groups lists groups a viewer may see: public and private ones, and secret
// ones only where the viewer is a member.
func (s *Store) Groups(ctx context.Context, f GroupFilter) ([]*Group, error) {
	if f.Limit <= 0 || f.Limit > 80 {
		f.Limit = 40
	}
	if f.State == "" {
		f.State = StateAccepted
	}
	rows, err := s.db.Query(ctx, `select g.actor_id from groups g join actors a on a.id = g.actor_id
		left join memberships m on m.group_id = g.actor_id and m.member_id = $1
		where (g.visibility <> 'secret' or m.state in ('accepted', 'invited'))
		  and (not $2 or m.state = $6) and (a.local or not $3)
		  and ($7 = '' or archipel_fold($7) <% archipel_fold(a.display_name || ' ' || a.username || ' ' || a.organisation || ' ' || a.unit_name)
		    or starts_with(lower(a.username), lower($7)))
		order by a.display_name, a.id limit $4 offset $5`, f.ViewerID, f.MemberOnly, f.LocalOnly, f.Limit, f.Offset, f.State, f.Text)
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

// MembershipByActivity finds a membership by the Join or Invite that made it.
func (s *Store) MembershipByActivity(ctx context.Context, uri string) (*Membership, error) {
	m := Membership{ActivityURI: uri}
	err := s.db.QueryRow(ctx, `select group_id, member_id, role, state, created_at, updated_at from memberships
		where activity_uri = $1`, uri).Scan(&m.GroupID, &m.MemberID, &m.Role, &m.State, &m.CreatedAt, &m.UpdatedAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &m, nil
}

// GroupInboxes returns the delivery inboxes of a group's audience on other
// nodes, once per node: accepted remote members, and for public groups
// their remote followers (read-only subscribers).
func (s *Store) GroupInboxes(ctx context.Context, groupID int64, withFollowers bool) ([]string, error) {
	rows, err := s.db.Query(ctx, `select distinct coalesce(nullif(a.shared_inbox, ''), a.inbox) from actors a
		where not a.local and (
		  a.id in (select member_id from memberships where group_id = $1 and state = 'accepted')
		  or ($2 and a.id in (select follower_id from follows where followee_id = $1 and state = 'accepted')))`,
		groupID, withFollowers)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// GroupFollowerInboxes returns the delivery inboxes of a group's read-only
// followers on other nodes (a Mastodon user following a public group), once
// per node.
func (s *Store) GroupFollowerInboxes(ctx context.Context, groupID int64) ([]string, error) {
	rows, err := s.db.Query(ctx, `select distinct coalesce(nullif(a.shared_inbox, ''), a.inbox) from actors a
		where not a.local and a.id in (select follower_id from follows where followee_id = $1 and state = 'accepted')`, groupID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// GroupEvent is one line of a group's log.
type GroupEvent struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Member    string    `json:"member"`
	By        string    `json:"by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// LogGroupEvent records a membership change.
func (s *Store) LogGroupEvent(ctx context.Context, groupID, memberID int64, byID *int64, kind string) error {
	_, err := s.db.Exec(ctx, `insert into group_events (group_id, member_id, by_id, kind) values ($1, $2, $3, $4)`,
		groupID, memberID, byID, kind)
	return err
}

// GroupLog lists a group's events, newest first.
func (s *Store) GroupLog(ctx context.Context, groupID int64, limit int) ([]GroupEvent, error) {
	return s.GroupLogPage(ctx, groupID, Page{Limit: limit})
}

// GroupLogPage pages through a group's events on their ids, newest first.
func (s *Store) GroupLogPage(ctx context.Context, groupID int64, p Page) ([]GroupEvent, error) {
	p = p.normalised()
	rows, err := s.db.Query(ctx, `select e.id, e.kind, m.username || '@' || m.host, coalesce(b.username || '@' || b.host, ''), e.created_at
		from group_events e join actors m on m.id = e.member_id left join actors b on b.id = e.by_id
		where e.group_id = $1 and e.id < $2 and e.id > $3 order by e.id `+p.order()+` limit $4`, groupID, p.MaxID, p.lower(), p.Limit)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[GroupEvent])
	return inOrder(p, list), err
}

// MemberEventsPage pages through a member's membership changes on their
// ids, newest first.
func (s *Store) MemberEventsPage(ctx context.Context, memberID int64, p Page) ([]GroupEvent, error) {
	p = p.normalised()
	rows, err := s.db.Query(ctx, `select e.id, e.kind || ' ' || g.username || '@' || g.host, m.username || '@' || m.host,
		coalesce(b.username || '@' || b.host, ''), e.created_at
		from group_events e join actors m on m.id = e.member_id join actors g on g.id = e.group_id
		left join actors b on b.id = e.by_id where e.member_id = $1 and e.id < $2 and e.id > $3
		order by e.id `+p.order()+` limit $4`, memberID, p.MaxID, p.lower(), p.Limit)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[GroupEvent])
	return inOrder(p, list), err
}

// MemberEvents lists the membership changes of a member, newest first.
func (s *Store) MemberEvents(ctx context.Context, memberID int64, limit int) ([]GroupEvent, error) {
	return s.MemberEventsBetween(ctx, memberID, time.Time{}, time.Now().Add(time.Hour), limit)
}

// MemberEventsBetween lists the membership changes of a member after one
// time and up to another, newest first (to set them among the posts of a
// page of the home feed).
func (s *Store) MemberEventsBetween(ctx context.Context, memberID int64, after, upTo time.Time, limit int) ([]GroupEvent, error) {
	rows, err := s.db.Query(ctx, `select e.id, e.kind || ' ' || g.username || '@' || g.host, m.username || '@' || m.host,
		coalesce(b.username || '@' || b.host, ''), e.created_at
		from group_events e join actors m on m.id = e.member_id join actors g on g.id = e.group_id
		left join actors b on b.id = e.by_id where e.member_id = $1 and e.created_at > $2 and e.created_at <= $3
		order by e.created_at desc, e.id desc limit $4`, memberID, after, upTo, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[GroupEvent])
}

// GroupTimeline lists a group's live posts, newest first.
func (s *Store) GroupTimeline(ctx context.Context, groupID int64, p Page) ([]*Object, error) {
	return s.GroupTimelineFor(ctx, groupID, 0, p)
}

// GroupTimelineFor is GroupTimeline for a reader (0: anonymous), less the
// posts their blocks and domain blocks hide.
func (s *Store) GroupTimelineFor(ctx context.Context, groupID, viewerID int64, p Page) ([]*Object, error) {
	p = p.normalised()
	return s.queryObjects(ctx, p, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.group_id = $1 and o.deleted_at is null and o.type in `+postTypes+` and o.id < $2 and o.id > $3
		  and not `+postHiddenSQL("$5::bigint", HideContent)+`
		order by o.id `+p.order()+` limit $4`, groupID, p.MaxID, p.lower(), p.Limit, viewerID)
}

// UpsertRemoteGroup records what a remote group's document says of its rules.
func (s *Store) UpsertRemoteGroup(ctx context.Context, g *Group) error {
	_, err := s.db.Exec(ctx, `insert into groups (actor_id, visibility, join_policy, state_only, members_uri)
		values ($1,$2,$3,$4,$5) on conflict (actor_id) do update set visibility = excluded.visibility,
		join_policy = excluded.join_policy, state_only = excluded.state_only, members_uri = excluded.members_uri
		where not exists (select 1 from actors where id = $1 and local)`,
		g.ID, g.Visibility, g.JoinPolicy, g.StateOnly, g.MembersURI)
	return err
}

// CountOwners counts a group's accepted owners.
func (s *Store) CountOwners(ctx context.Context, groupID int64) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select count(*) from memberships where group_id = $1 and role = 'owner' and state = 'accepted'`, groupID).Scan(&n)
	return n, err
}

// PromoteSuccessor names an owner for a group that has none left: the
// longest-standing local animator, else the longest-standing local member.
// It returns the new owner's actor id, 0 when no local member remains.
func (s *Store) PromoteSuccessor(ctx context.Context, groupID int64) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `update memberships set role = 'owner', updated_at = now()
		where group_id = $1 and member_id = (
			select m.member_id from memberships m join actors a on a.id = m.member_id
			where m.group_id = $1 and m.state = 'accepted' and a.local and a.deleted_at is null
			order by m.role = 'animator' desc, m.created_at, m.member_id limit 1)
		and not exists (select 1 from memberships where group_id = $1 and role = 'owner' and state = 'accepted')
		returning member_id`, groupID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// HasLocalMember tells whether one of our people is an accepted member.
func (s *Store) HasLocalMember(ctx context.Context, groupID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from memberships m join actors a on a.id = m.member_id
		where m.group_id = $1 and m.state = 'accepted' and a.local)`, groupID).Scan(&ok)
	return ok, err
}

// GroupsByIDs loads groups with their actors, by id, in one query.
func (s *Store) GroupsByIDs(ctx context.Context, ids []int64) (map[int64]*Group, error) {
	rows, err := s.db.Query(ctx, `select g.visibility, g.join_policy, g.state_only, g.members_uri, g.created_by, `+prefixed("a", actorColumns)+`
		from groups g join actors a on a.id = g.actor_id where g.actor_id = any($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]*Group, len(ids))
	for rows.Next() {
		var g Group
		a, err := scanActorAfter(rows, &g.Visibility, &g.JoinPolicy, &g.StateOnly, &g.MembersURI, &g.CreatedBy)
		if err != nil {
			return nil, err
		}
		g.Actor = a
		out[a.ID] = &g
	}
	return out, rows.Err()
}

// GroupPageFacts are what a page of group entities shows besides the rows:
// member counts and the viewer's memberships.
func (s *Store) GroupPageFacts(ctx context.Context, ids []int64, viewerID int64) (map[int64]int64, map[int64]*Membership, error) {
	rows, err := s.db.Query(ctx, `select group_id, count(*) filter (where state = 'accepted'),
		max(role) filter (where member_id = $2), max(state) filter (where member_id = $2)
		from memberships where group_id = any($1) group by group_id`, ids, viewerID)
	if err != nil {
		return nil, nil, err
	}
	counts := map[int64]int64{}
	mine := map[int64]*Membership{}
	var id, n int64
	var role, state *string
	_, err = pgx.ForEachRow(rows, []any{&id, &n, &role, &state}, func() error {
		counts[id] = n
		if role != nil && state != nil {
			mine[id] = &Membership{GroupID: id, MemberID: viewerID, Role: *role, State: *state}
		}
		return nil
	})
	return counts, mine, err
}
