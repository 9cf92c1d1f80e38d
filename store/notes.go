package store

import "context"

// NoteRows is everything a post's ActivityPub document is made of. The
// note a node delivers and the one it serves at its id are built from the
// same rows (ap.NoteDocument), so they cannot drift apart.
type NoteRows struct {
	Object   *Object
	Author   *Actor
	Group    *Group   // nil outside a group
	Mentions []*Actor // tagged and addressed, the author a reply answers included
	Tags     []string // normalised hashtag names
	Media    []*Media // attachments, in order
}

// NoteRowsOf loads the rows of several posts' documents: one query for
// their mentions, one for their tags, one for their attachments, one per
// distinct group.
func (s *Store) NoteRowsOf(ctx context.Context, objs []*Object) ([]NoteRows, error) {
	ids := make([]int64, 0, len(objs))
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	mentions, err := s.MentionedActorsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	tags, err := s.ObjectTagsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	media, err := s.MediaOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	groups := map[int64]*Group{}
	out := make([]NoteRows, 0, len(objs))
	for _, o := range objs {
		author := o.Author
		if author == nil {
			if author, err = s.ActorByID(ctx, o.AttributedTo); err != nil {
				return nil, err
			}
		}
		var g *Group
		if o.GroupID != nil {
			if g = groups[*o.GroupID]; g == nil {
				if g, err = s.GroupByActorID(ctx, *o.GroupID); err != nil {
					return nil, err
				}
				groups[*o.GroupID] = g
			}
		}
		out = append(out, NoteRows{Object: o, Author: author, Group: g, Mentions: mentions[o.ID], Tags: tags[o.ID],
			Media: media[o.ID]})
	}
	return out, nil
}

// NoteRowsOfOne is NoteRowsOf for one post.
func (s *Store) NoteRowsOfOne(ctx context.Context, o *Object) (NoteRows, error) {
	rows, err := s.NoteRowsOf(ctx, []*Object{o})
	if err != nil {
		return NoteRows{}, err
	}
	return rows[0], nil
}
