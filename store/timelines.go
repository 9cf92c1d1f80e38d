package store

import "context"

// TimelineFilter selects the public and hashtag timelines.
type TimelineFilter struct {
	LocalOnly, RemoteOnly bool
	// WithReplies keeps replies (the hashtag timeline); the public timeline
	// shows posts that start a thread, as Mastodon's does.
	WithReplies bool
	// AnyTags, when set, keeps posts with one of these hashtags; AllTags
	// those with every one; NoneTags leaves out those with any.
	AnyTags, AllTags, NoneTags []string
	// OnlyMedia keeps posts with attachments.
	OnlyMedia bool
	// ViewerID is the reader (0: anonymous), whose blocks, mutes and
	// domain blocks hide posts.
	ViewerID int64
}

func normaliseTags(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n = NormaliseTag(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// PublicTimeline lists public posts, newest first: public posts outside
// groups and the posts of public groups, never shares, as anyone may read.
func (s *Store) PublicTimeline(ctx context.Context, f TimelineFilter, p Page) ([]*Object, error) {
	p = p.normalised()
	all := normaliseTags(f.AllTags)
	return s.queryObjects(ctx, p, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.deleted_at is null and o.type in `+postTypes+` and o.id < $1 and o.id > $2
		  and ((o.group_id is null and o.visibility = 'public')
		    or o.group_id in (select actor_id from groups where visibility = 'public'))
		  and ($4 or o.in_reply_to = '') and (not $5 or o.local) and (not $6 or not o.local)
		  and (cardinality($7::text[]) = 0 or o.id in (select object_id from object_tags where name = any($7)))
		  and (cardinality($8::text[]) = 0 or (select count(distinct name) from object_tags
		    where object_id = o.id and name = any($8)) = cardinality($8::text[]))
		  and not exists (select 1 from object_tags where object_id = o.id and name = any($9))
		  and (not $10 or exists (select 1 from media_attachments where object_id = o.id))
		  and not `+postHiddenSQL("$11::bigint", HideInTimelines)+`
		order by o.id `+p.order()+` limit $3`,
		p.MaxID, p.lower(), p.Limit, f.WithReplies, f.LocalOnly, f.RemoteOnly, normaliseTags(f.AnyTags), all,
		normaliseTags(f.NoneTags), f.OnlyMedia, f.ViewerID)
}

// only is the page that holds exactly the object id, so that "is this post
// in that timeline?" asks the timeline's own query, not a second copy of
// its rule.
func only(id int64) Page { return Page{MaxID: id + 1, SinceID: id - 1, Limit: 1} }

// InHomeTimeline tells whether an object is in an actor's home timeline
// (HomeTimeline's rule), for the streaming API's user stream.
func (s *Store) InHomeTimeline(ctx context.Context, actorID, objectID int64) (bool, error) {
	list, err := s.HomeTimeline(ctx, actorID, only(objectID))
	return len(list) == 1, err
}

// InPublicTimeline tells whether an object is in the public or hashtag
// timeline that f selects (PublicTimeline's rule), for the public and
// hashtag streams.
func (s *Store) InPublicTimeline(ctx context.Context, f TimelineFilter, objectID int64) (bool, error) {
	list, err := s.PublicTimeline(ctx, f, only(objectID))
	return len(list) == 1, err
}
