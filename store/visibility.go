package store

import "context"

// CanSee is the one rule for who may read a post: anyone for public and
// unlisted posts and posts of public groups; otherwise its author, the
// members of its group, the followers of its author for followers-only
// posts, and the people it mentions. viewerID 0 is an anonymous reader.
func (s *Store) CanSee(ctx context.Context, o *Object, viewerID int64) (bool, error) {
	if o.GroupID != nil {
		g, err := s.GroupByActorID(ctx, *o.GroupID)
		if err != nil {
			return false, err
		}
		if g.Visibility == VisibilityPublic {
			return true, nil
		}
	} else if o.Visibility == ObjPublic || o.Visibility == ObjUnlisted {
		return true, nil
	}
	if viewerID == 0 {
		return false, nil
	}
	if o.AttributedTo == viewerID {
		return true, nil
	}
	var ok bool
	err := s.db.QueryRow(ctx, `select case
		when $2::bigint is not null then exists (select 1 from memberships where group_id = $2 and member_id = $3 and state = 'accepted')
		else ($4 = 'private' and exists (select 1 from follows where follower_id = $3 and followee_id = $5 and state = 'accepted'))
		  or exists (select 1 from mentions where object_id = $1 and actor_id = $3)
		end`, o.ID, o.GroupID, viewerID, o.Visibility, o.AttributedTo).Scan(&ok)
	return ok, err
}

// IsInstanceActor tells whether a remote actor speaks for its whole node:
// the Application actor that Mastodon, GoToSocial, Lemmy and Archipel sign
// their node's own fetches with. People (and bots, which are Services) do
// not.
func IsInstanceActor(a *Actor) bool { return a != nil && !a.Local && a.Type == TypeApplication }

// CanReadGroupContent is the one rule for signed reads of a group's content:
// its posts, documents, files, outbox, members, moderators and followers, and
// the activities about them. A public group's content is for anyone. Any
// other group's is served only to:
//   - an accepted member (an invitation or a request is not membership);
//   - the group itself;
//   - for one of our groups, the instance actor of a node that hosts an
//     accepted member (that node fetches for its members), never any other
//     actor of that node;
//   - for a remote group, the instance actor of the group's own node (which
//     fetches the files its members upload here).
//
// reader is the actor who signed the request; nil for an unsigned one.
func (s *Store) CanReadGroupContent(ctx context.Context, g *Group, reader *Actor) (bool, error) {
	if g.Visibility == VisibilityPublic {
		return true, nil
	}
	if reader == nil {
		return false, nil
	}
	if reader.ID == g.ID {
		return true, nil
	}
	if IsInstanceActor(reader) {
		if !g.Local {
			return NormalizeHost(reader.Host) == NormalizeHost(g.Host), nil
		}
		return s.hostHasMember(ctx, g.ID, reader.Host, StateAccepted)
	}
	return s.isMemberIn(ctx, g.ID, reader.ID, StateAccepted)
}

// CanKnowGroup tells whether a signed reader may learn that a group exists
// (its actor document): those who may read its content, and also an invited
// person and the instance actor of an invited person's node, who must check
// the group's key to believe the invitation. To anyone else a secret group
// is exactly like a group that does not exist.
func (s *Store) CanKnowGroup(ctx context.Context, g *Group, reader *Actor) (bool, error) {
	if g.Visibility != VisibilitySecret {
		return true, nil
	}
	if ok, err := s.CanReadGroupContent(ctx, g, reader); ok || err != nil {
		return ok, err
	}
	if reader == nil {
		return false, nil
	}
	if IsInstanceActor(reader) && g.Local {
		return s.hostHasMember(ctx, g.ID, reader.Host, StateAccepted, StateInvited)
	}
	return s.isMemberIn(ctx, g.ID, reader.ID, StateInvited)
}

// KnowsGroup is CanKnowGroup for a reader of this node (a session, an API
// token; viewerID 0 for an anonymous one): a secret group exists only for
// its accepted and invited members. Search, lookups, listings, follows,
// joins, replies and pages all ask it, so that a secret group answers
// everywhere exactly as a group that does not exist.
func (s *Store) KnowsGroup(ctx context.Context, g *Group, viewerID int64) (bool, error) {
	if g.Visibility != VisibilitySecret {
		return true, nil
	}
	if viewerID == 0 {
		return false, nil
	}
	return s.isMemberIn(ctx, g.ID, viewerID, StateAccepted, StateInvited)
}

// KnowsActor is KnowsGroup for any actor: people and nodes are known to
// all, groups as KnowsGroup says.
func (s *Store) KnowsActor(ctx context.Context, a *Actor, viewerID int64) (bool, error) {
	if a.Type != TypeGroup {
		return true, nil
	}
	g, err := s.GroupOf(ctx, a)
	if err != nil {
		return false, err
	}
	return s.KnowsGroup(ctx, g, viewerID)
}

// CanReadObject is the rule for a signed read of one object (a post, a
// document) or of an activity about it: an object of a group follows
// CanReadGroupContent; any other follows CanSee.
func (s *Store) CanReadObject(ctx context.Context, o *Object, reader *Actor) (bool, error) {
	if o.GroupID != nil {
		g, err := s.GroupByActorID(ctx, *o.GroupID)
		if err != nil {
			return false, err
		}
		return s.CanReadGroupContent(ctx, g, reader)
	}
	var readerID int64
	if reader != nil {
		readerID = reader.ID
	}
	return s.CanSee(ctx, o, readerID)
}

// isMemberIn tells whether an actor's membership of a group is in one of
// the states.
func (s *Store) isMemberIn(ctx context.Context, groupID, actorID int64, states ...string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from memberships
		where group_id = $1 and member_id = $2 and state = any($3))`, groupID, actorID, states).Scan(&ok)
	return ok, err
}

// hostHasMember tells whether a group has a member on a host whose
// membership is in one of the states.
func (s *Store) hostHasMember(ctx context.Context, groupID int64, host string, states ...string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from memberships m join actors a on a.id = m.member_id
		where m.group_id = $1 and lower(a.host) = lower($2) and not a.local and m.state = any($3))`,
		groupID, host, states).Scan(&ok)
	return ok, err
}

// visibleSQL is CanSee as an SQL condition on the objects row o, for the
// viewer whose actor id is the parameter viewer (0: anonymous), so that a
// page of posts is filtered in its own query.
func visibleSQL(viewer string) string {
	return `((o.group_id is null and o.visibility in ('public', 'unlisted'))
	  or (o.group_id is not null and exists (select 1 from groups vg where vg.actor_id = o.group_id and vg.visibility = 'public'))
	  or (` + viewer + ` <> 0 and (o.attributed_to = ` + viewer + `
	    or (o.group_id is not null and exists (select 1 from memberships vm where vm.group_id = o.group_id
	        and vm.member_id = ` + viewer + ` and vm.state = 'accepted'))
	    or (o.group_id is null and o.visibility = 'private' and exists (select 1 from follows vf
	        where vf.follower_id = ` + viewer + ` and vf.followee_id = o.attributed_to and vf.state = 'accepted'))
	    or (o.group_id is null and exists (select 1 from mentions vn where vn.object_id = o.id and vn.actor_id = ` + viewer + `)))))`
}

// VisibleAmong tells which of these objects a viewer (0: anonymous) may
// read, in one query: the rule of CanSee for a whole page.
func (s *Store) VisibleAmong(ctx context.Context, viewerID int64, objectIDs []int64) (map[int64]bool, error) {
	return s.idSet(ctx, `select o.id from objects o where o.id = any($2) and `+visibleSQL("$1::bigint"), viewerID, objectIDs)
}
