package ap

import (
	"encoding/json"
	"html"
	"net/url"
	"time"

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

// NoteAddressing is who a post is for, the same whenever its document is
// written: Address with its mentions, plus the Public collection for a
// public group's posts.
func NoteAddressing(n store.NoteRows) Addressing {
	uris := make([]string, 0, len(n.Mentions))
	for _, m := range n.Mentions {
		uris = append(uris, m.URI)
	}
	if n.Group == nil {
		return Address(n.Object, n.Author, nil, uris)
	}
	a := Address(n.Object, n.Author, n.Group.Actor, uris)
	if n.Group.Visibility == store.VisibilityPublic {
		a = a.WithPublic()
	}
	return a
}

// tag is a Mention or a Hashtag of a note, as Mastodon writes them.
type tag struct {
	Type string `json:"type"`
	Href string `json:"href"`
	Name string `json:"name"`
}

// NoteDocument is the one writer of a post's document, without @context
// (to embed in an activity; WithContext serves it alone): the note
// delivered in its Create and the note served at its id are both this. A
// deleted post is its Tombstone.
func (l Links) NoteDocument(n store.NoteRows) (json.RawMessage, error) {
	o := n.Object
	if o.DeletedAt != nil {
		return Embedded(Tombstone(o.URI, o.Type, *o.DeletedAt), nil)
	}
	note := vocab.ObjectNew(vocab.ActivityVocabularyType(o.Type))
	note.ID = vocab.ID(o.URI)
	note.AttributedTo = vocab.IRI(n.Author.URI)
	note.Content = vocab.DefaultNaturalLanguageValue(o.Content)
	if o.Name != "" {
		note.Name = vocab.DefaultNaturalLanguageValue(o.Name)
	}
	if o.Summary != "" {
		// A content warning is kept as plain text; AS2's summary is HTML.
		note.Summary = vocab.DefaultNaturalLanguageValue(html.EscapeString(o.Summary))
	}
	if o.URL != "" {
		note.URL = vocab.IRI(o.URL)
	}
	if o.InReplyTo != "" {
		note.InReplyTo = vocab.IRI(o.InReplyTo)
	}
	note.Published = o.Published.UTC()
	if o.Updated != nil {
		note.Updated = o.Updated.UTC()
	}
	addr := NoteAddressing(n)
	note.To, note.CC, note.Audience = addr.To, addr.CC, addr.Audience
	// go-ap has no Hashtag nor sensitive: both go in as extension fields.
	tags := make([]tag, 0, len(n.Mentions)+len(n.Tags))
	for _, m := range n.Mentions {
		tags = append(tags, tag{Type: "Mention", Href: m.URI, Name: "@" + m.Handle()})
	}
	for _, t := range n.Tags {
		tags = append(tags, tag{Type: "Hashtag", Href: l.Tag(url.PathEscape(t)), Name: "#" + t})
	}
	extras := map[string]any{"sensitive": o.Sensitive}
	if len(tags) > 0 {
		extras["tag"] = tags
	}
	if len(n.Media) > 0 {
		extras["attachment"] = l.attachments(n.Media)
	}
	return Embedded(note, extras)
}

// CreateID is the id of the Create activity of a post.
func CreateID(noteURI string) string { return noteURI + "/activity" }

// CreateDocument is the Create activity of a post, its note embedded as
// NoteDocument writes it, addressed as the note is; without @context, as
// NoteDocument.
func (l Links) CreateDocument(n store.NoteRows) (*vocab.Activity, json.RawMessage, error) {
	note, err := l.NoteDocument(n)
	if err != nil {
		return nil, nil, err
	}
	addr := NoteAddressing(n)
	create := NewActivity(vocab.CreateType, CreateID(n.Object.URI), n.Author.URI, vocab.IRI(n.Object.URI), addr.To, addr.CC)
	create.Published = n.Object.Published.UTC()
	create.Audience = addr.Audience
	raw, err := Embedded(create, map[string]any{"object": note})
	return create, raw, err
}

// Tombstone is what remains of a deleted object: its id, former type and
// time of deletion.
func Tombstone(id, formerType string, deleted time.Time) *vocab.Tombstone {
	return &vocab.Tombstone{ID: vocab.ID(id), Type: vocab.TombstoneType, FormerType: vocab.ActivityVocabularyType(formerType),
		Deleted: deleted.UTC()}
}

// noteExtras are the fields of a peer's post that go-ap drops, read from
// the same bytes.
type noteExtras struct {
	Sensitive any               `json:"sensitive"`
	Tag       flexList[rawItem] `json:"tag"`
}

// NoteExtras reads what go-ap drops from a peer's post: whether it is
// marked sensitive, and the names of its Hashtag tags (as they are written,
// "#Tag"; store.SetObjectTags normalises them).
func NoteExtras(raw []byte) (sensitive bool, hashtags []string) {
	var ext noteExtras
	_ = json.Unmarshal(raw, &ext)
	sensitive, _ = ext.Sensitive.(bool)
	for _, t := range ext.Tag {
		if hasType(t.Type, "Hashtag") && t.Name != "" {
			hashtags = append(hashtags, t.Name)
		}
	}
	return sensitive, hashtags
}
