package store

import "context"

// What a person's blocks, mutes and domain blocks hide from them: the one
// rule that every timeline, thread, search, account page and notification
// query applies (hiddenSQL, postHiddenSQL), and that a caller holding
// events instead of rows (the streaming API) asks with HiddenFrom and
// PostsHiddenFrom.

// HideScope says which of a viewer's choices apply.
type HideScope int

const (
	// HideContent applies blocks, either way (who the viewer blocks and who
	// blocks the viewer), and the viewer's domain blocks: threads, searches,
	// account pages, group timelines, account lists.
	HideContent HideScope = iota
	// HideInTimelines adds mutes: the home, public, hashtag and list
	// timelines.
	HideInTimelines
	// HideInNotifications adds the mutes that cover notifications.
	HideInNotifications
)

// hiddenSQL is an SQL condition, true when the actor whose id is the SQL
// expression actor is hidden from viewer (an SQL expression, 0 for an
// anonymous reader, from whom nothing is hidden).
func hiddenSQL(viewer, actor string, scope HideScope) string {
	cond := `exists (select 1 from blocks hb where (hb.actor_id = ` + viewer + ` and hb.target_id = ` + actor + `)
	    or (hb.actor_id = ` + actor + ` and hb.target_id = ` + viewer + `))
	  or exists (select 1 from account_domain_blocks hd join actors ha on ha.id = ` + actor + `
	    where hd.actor_id = ` + viewer + ` and hd.domain = lower(ha.host) and not ha.local)`
	if scope != HideContent {
		notifications := ""
		if scope == HideInNotifications {
			notifications = " and hm.notifications"
		}
		cond += `
	  or exists (select 1 from mutes hm where hm.actor_id = ` + viewer + ` and hm.target_id = ` + actor + `
	    and (hm.expires_at is null or hm.expires_at > now())` + notifications + `)`
	}
	return `(` + viewer + ` <> 0 and (` + cond + `))`
}

// postHiddenSQL is hiddenSQL for the objects row o: hidden when its author
// is, when it shares a post whose author is, or when it answers a post
// whose author is (Mastodon hides replies to those one blocks).
func postHiddenSQL(viewer string, scope HideScope) string {
	return `(` + hiddenSQL(viewer, "o.attributed_to", scope) + `
	  or (o.type = 'Announce' and exists (select 1 from objects hs where hs.uri = o.url and ` + hiddenSQL(viewer, "hs.attributed_to", scope) + `))
	  or (o.in_reply_to <> '' and exists (select 1 from objects hr where hr.uri = o.in_reply_to and ` + hiddenSQL(viewer, "hr.attributed_to", scope) + `)))`
}

// HiddenFrom tells which of these actors a viewer's blocks, mutes and
// domain blocks hide in a scope: hiddenSQL for a caller that holds
// actors (an account list, a streamed notification) rather than rows.
func (s *Store) HiddenFrom(ctx context.Context, viewerID int64, scope HideScope, actorIDs []int64) (map[int64]bool, error) {
	if viewerID == 0 || len(actorIDs) == 0 {
		return map[int64]bool{}, nil
	}
	return s.idSet(ctx, `select x.id from unnest($2::bigint[]) x(id) where `+hiddenSQL("$1::bigint", "x.id", scope), viewerID, actorIDs)
}

// PostsHiddenFrom tells which of these objects (posts or shares) a viewer
// may not see in a scope: postHiddenSQL for a caller that holds objects
// rather than a query (a streamed status).
func (s *Store) PostsHiddenFrom(ctx context.Context, viewerID int64, scope HideScope, objectIDs []int64) (map[int64]bool, error) {
	if viewerID == 0 || len(objectIDs) == 0 {
		return map[int64]bool{}, nil
	}
	return s.idSet(ctx, `select o.id from objects o where o.id = any($2) and `+postHiddenSQL("$1::bigint", scope), viewerID, objectIDs)
}
