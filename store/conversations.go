package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Conversations: Mastodon's view of direct messages (visibility direct,
// Archipel's private messages) as threads. A conversation is a direct
// thread, named by the id of its first post; a person's conversations are
// those with a direct post they wrote or that names them.

// Conversation is one of a person's direct threads.
type Conversation struct {
	// RootID is the thread's first direct post, the conversation's id.
	RootID  int64
	RootURI string
	// LastID is its latest post, which the list pages on.
	LastID int64
	Unread bool
}

// conversationsSQL selects a viewer's ($1) visible conversations as rows
// (root_id, root_uri, last_id, unread), with more conditions in where on
// them (the parameters from $2 on are the caller's).
func conversationsSQL(where string) string {
	return `with recursive mine as (
		  select o.id, o.uri, o.in_reply_to from objects o
		  where o.deleted_at is null and o.visibility = 'direct' and o.type in ` + postTypes + `
		    and (o.attributed_to = $1 or exists (select 1 from mentions m where m.object_id = o.id and m.actor_id = $1))
		    and not ` + postHiddenSQL("$1::bigint", HideContent) + `),
		up(id, uri, parent, depth) as (
		  select id, uri, in_reply_to, 0 from mine
		  union all
		  select up.id, p.uri, p.in_reply_to, up.depth + 1 from up join objects p on p.uri = up.parent
		  where up.parent <> '' and up.depth < 64 and p.visibility = 'direct'),
		roots as (select distinct on (id) id, uri as root_uri from up order by id, depth desc),
		threads as (select root_uri, max(id) as last_id from roots group by root_uri),
		convs as (select r.id as root_id, t.root_uri, t.last_id,
		    (l.attributed_to <> $1 and (st.actor_id is null or l.published > st.updated_at or st.unread)) as unread,
		    (st.hidden and l.published <= st.updated_at) as gone
		  from threads t join objects r on r.uri = t.root_uri join objects l on l.id = t.last_id
		  left join conversation_states st on st.actor_id = $1 and st.root_uri = t.root_uri)
		select root_id, root_uri, last_id, unread from convs where not coalesce(gone, false) and ` + where
}

// Conversations pages through a viewer's conversations, the one with the
// latest post first, paged on their latest posts' ids.
func (s *Store) Conversations(ctx context.Context, viewerID int64, p Page) ([]Conversation, error) {
	p = p.normalised()
	rows, err := s.db.Query(ctx, conversationsSQL(`last_id < $2 and last_id > $3 order by last_id `+p.order()+` limit $4`),
		viewerID, p.MaxID, p.lower(), p.Limit)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Conversation])
	return inOrder(p, list), err
}

// ConversationOf loads one of a viewer's conversations by its id.
func (s *Store) ConversationOf(ctx context.Context, viewerID, rootID int64) (Conversation, error) {
	rows, err := s.db.Query(ctx, conversationsSQL(`root_id = $2`), viewerID, rootID)
	if err != nil {
		return Conversation{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Conversation])
	return c, notFoundOr(err)
}

// MarkConversation records that a viewer read a conversation, or removed
// it from their list (until a new post in it).
func (s *Store) MarkConversation(ctx context.Context, viewerID int64, rootURI string, hide bool) error {
	_, err := s.db.Exec(ctx, `insert into conversation_states (actor_id, root_uri, unread, hidden, updated_at)
		values ($1, $2, false, $3, $4) on conflict (actor_id, root_uri) do update set unread = false,
		hidden = excluded.hidden, updated_at = excluded.updated_at`, viewerID, rootURI, hide, time.Now())
	return err
}

// ConversationParticipants lists, by conversation root URI, the people of
// several of a viewer's conversations (authors and those named), the
// viewer left out.
func (s *Store) ConversationParticipants(ctx context.Context, viewerID int64, rootURIs []string) (map[string][]*Actor, error) {
	rows, err := s.db.Query(ctx, `with recursive thread(root, uri, depth) as (
		  select u, u, 0 from unnest($2::text[]) u
		  union all
		  select t.root, o.uri, t.depth + 1 from thread t join objects o on o.in_reply_to = t.uri
		  where o.visibility = 'direct' and t.depth < 64),
		people as (
		  select t.root, o.attributed_to as id from thread t join objects o on o.uri = t.uri
		  union select t.root, m.actor_id from thread t join objects o on o.uri = t.uri join mentions m on m.object_id = o.id)
		select distinct p.root, `+prefixed("a", actorColumns)+` from people p join actors a on a.id = p.id
		where a.id <> $1 order by p.root, a.id`, viewerID, rootURIs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]*Actor{}
	for rows.Next() {
		var root string
		a, err := scanActorAfter(rows, &root)
		if err != nil {
			return nil, err
		}
		out[root] = append(out[root], a)
	}
	return out, rows.Err()
}
