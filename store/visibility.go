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
