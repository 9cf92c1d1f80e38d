package ap

import (
	"time"

	vocab "github.com/go-ap/activitypub"
)

// NewActivity builds an activity of a type by actor about object, with its
// addressing; id is the activity's own id.
func NewActivity(typ vocab.ActivityVocabularyType, id, actor string, object vocab.Item, to, cc vocab.ItemCollection) *vocab.Activity {
	a := vocab.ActivityNew(vocab.ID(id), typ, object)
	a.Actor = vocab.IRI(actor)
	a.To, a.CC = to, cc
	a.Published = time.Now().UTC().Truncate(time.Second)
	return a
}

// IRIs turns strings into an ItemCollection of IRIs.
func IRIs(uris ...string) vocab.ItemCollection {
	out := make(vocab.ItemCollection, 0, len(uris))
	for _, u := range uris {
		if u != "" {
			out = append(out, vocab.IRI(u))
		}
	}
	return out
}

// FollowActivity is a Follow of object by actor; Accept and Reject embed it
// whole, as Mastodon expects.
func FollowActivity(id, actor, object string) *vocab.Activity {
	return NewActivity(vocab.FollowType, id, actor, vocab.IRI(object), IRIs(object), nil)
}
