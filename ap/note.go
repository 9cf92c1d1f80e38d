package ap

import (
	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

// Addressing of an object, computed from its visibility.
type Addressing struct {
	To, CC   vocab.ItemCollection
	Audience vocab.ItemCollection
}

// Address returns who an object is for: public posts to as:Public (cc the
// author's followers), followers-only ones to the followers, group posts to
// the group (FEP-1b12 audience), direct ones to the mentioned people only.
func Address(o *store.Object, author *store.Actor, group *store.Actor, mentioned []string) Addressing {
	var a Addressing
	mentions := make(vocab.ItemCollection, 0, len(mentioned))
	for _, m := range mentioned {
		mentions = append(mentions, vocab.IRI(m))
	}
	switch o.Visibility {
	case store.ObjPublic:
		a.To = vocab.ItemCollection{vocab.PublicNS}
		a.CC = append(vocab.ItemCollection{vocab.IRI(author.Followers)}, mentions...)
	case store.ObjUnlisted:
		a.To = vocab.ItemCollection{vocab.IRI(author.Followers)}
		a.CC = append(vocab.ItemCollection{vocab.PublicNS}, mentions...)
	case store.ObjPrivate:
		a.To = append(vocab.ItemCollection{vocab.IRI(author.Followers)}, mentions...)
	case store.ObjGroup:
		if group != nil {
			a.To = vocab.ItemCollection{vocab.IRI(group.URI)}
			a.Audience = vocab.ItemCollection{vocab.IRI(group.URI)}
			a.CC = mentions
		}
	default:
		a.To = mentions
	}
	return a
}

// WithPublic adds the Public collection to a public group's post: Lemmy and
// Mbin take a community's posts only when they say they are public.
func (a Addressing) WithPublic() Addressing {
	a.To = append(append(vocab.ItemCollection{}, a.To...), vocab.PublicNS)
	return a
}

// NoteObject builds the Note of a stored object. A deleted object becomes a
// Tombstone.
func NoteObject(o *store.Object, author *store.Actor, addr Addressing, mentions []*store.Actor) vocab.Item {
	if o.DeletedAt != nil {
		return &vocab.Tombstone{ID: vocab.ID(o.URI), Type: vocab.TombstoneType, FormerType: vocab.ActivityVocabularyType(o.Type),
			Deleted: o.DeletedAt.UTC()}
	}
	n := vocab.ObjectNew(vocab.ActivityVocabularyType(o.Type))
	n.ID = vocab.ID(o.URI)
	n.AttributedTo = vocab.IRI(author.URI)
	n.Content = vocab.DefaultNaturalLanguageValue(o.Content)
	if o.Name != "" {
		n.Name = vocab.DefaultNaturalLanguageValue(o.Name)
	}
	if o.Summary != "" {
		n.Summary = vocab.DefaultNaturalLanguageValue(o.Summary)
	}
	if o.URL != "" {
		n.URL = vocab.IRI(o.URL)
	}
	if o.InReplyTo != "" {
		n.InReplyTo = vocab.IRI(o.InReplyTo)
	}
	n.Published = o.Published.UTC()
	if o.Updated != nil {
		n.Updated = o.Updated.UTC()
	}
	n.To, n.CC, n.Audience = addr.To, addr.CC, addr.Audience
	for _, m := range mentions {
		mention := &vocab.Mention{Type: vocab.MentionType, Href: vocab.IRI(m.URI), Name: vocab.DefaultNaturalLanguageValue("@" + m.Handle())}
		n.Tag = append(n.Tag, mention)
	}
	return n
}
