package inbox

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// postTypes are the object types shown as posts (Lemmy sends Page, blogs
// Article).
var postTypes = vocab.ActivityVocabularyTypes{vocab.NoteType, vocab.ArticleType, vocab.PageType, vocab.QuestionType}

// languageRE is an ISO 639 code as contentMap keys carry it.
var languageRE = regexp.MustCompile(`^[a-z]{2,3}$`)

// remoteNote is a peer's post read into a row, with the local actors it is
// addressed to.
type remoteNote struct {
	obj       *store.Object
	addressed []*store.Actor // local actors named in to, cc or a Mention
	groups    []*store.Actor // groups it is addressed to (audience, to, cc), local or known remote
	tags      []string       // its Hashtag tags, as written
	media     []*store.Media // its attachments, not fetched
}

// readNote turns a trusted post document into a row. The author must be the
// activity's actor.
func (p *Processor) readNote(ctx context.Context, it vocab.Item, raw []byte, author *store.Actor) (*remoteNote, error) {
	if !postTypes.Contains(it.GetType()) {
		return nil, refused("%s is not a post", it.GetType())
	}
	o, err := vocab.ToObject(it)
	if err != nil {
		return nil, refused("unreadable %s", it.GetType())
	}
	if o.AttributedTo == nil || string(o.AttributedTo.GetLink()) != author.URI {
		return nil, refused("%s is not attributed to %s", o.ID, author.URI)
	}
	if !sameHost(string(o.ID), author.URI) {
		return nil, refused("%s is not on its author's host", o.ID)
	}
	obj := &store.Object{
		URI: string(o.ID), Type: string(o.Type), AttributedTo: author.ID, Raw: raw,
		// The content is HTML, made safe once here; a title and a content
		// warning are plain text.
		Content: markup.Sanitize(o.Content.First().String()), Summary: markup.Text(o.Summary.First().String()),
		Name: markup.Text(o.Name.First().String()), Published: o.Published,
	}
	if lang := strings.ToLower(string(o.Content.First().Ref)); languageRE.MatchString(lang) {
		obj.Language = lang // contentMap's language
	}
	if o.InReplyTo != nil {
		obj.InReplyTo = string(o.InReplyTo.GetLink())
	}
	if o.URL != nil {
		obj.URL = string(o.URL.GetLink())
	}
	if obj.Published.IsZero() || obj.Published.After(time.Now().Add(time.Hour)) {
		obj.Published = time.Now()
	}
	if !o.Updated.IsZero() {
		u := o.Updated
		obj.Updated = &u
	}
	obj.Visibility = visibilityOf(o, author)
	note := &remoteNote{obj: obj}
	obj.Sensitive, note.tags = ap.NoteExtras(raw)
	note.media = ap.NoteAttachments(raw, p.Outbox.MediaLimits().MaxDescription)
	seen := map[int64]bool{}
	addLocal := func(uri string) {
		a, err := p.Store.ReachableActorByURI(ctx, uri)
		if err != nil || seen[a.ID] {
			return
		}
		seen[a.ID] = true
		switch {
		case a.Type == store.TypeGroup:
			note.groups = append(note.groups, a)
		case a.Local:
			note.addressed = append(note.addressed, a)
		}
	}
	for _, coll := range []vocab.ItemCollection{o.To, o.CC, o.Audience} {
		for _, r := range coll {
			addLocal(string(r.GetLink()))
		}
	}
	for _, t := range o.Tag {
		if t != nil && t.GetType() == vocab.MentionType {
			if m, err := vocab.ToLink(t); err == nil {
				addLocal(string(m.Href))
			}
		}
	}
	return note, nil
}

// visibilityOf reads Mastodon's visibility from the addressing.
func visibilityOf(o *vocab.Object, author *store.Actor) string {
	has := func(coll vocab.ItemCollection, uri string) bool {
		for _, r := range coll {
			if l := string(r.GetLink()); l == uri || (uri == string(vocab.PublicNS) && (l == "as:Public" || l == "Public")) {
				return true
			}
		}
		return false
	}
	switch {
	case has(o.To, string(vocab.PublicNS)):
		return store.ObjPublic
	case has(o.CC, string(vocab.PublicNS)):
		return store.ObjUnlisted
	case author.Followers != "" && (has(o.To, author.Followers) || has(o.CC, author.Followers)):
		return store.ObjPrivate
	}
	return store.ObjDirect
}

// wanted tells whether this node has a reason to keep a peer's post: a local
// follower of its author, a local actor it is addressed to, or a known post
// it answers. Anything else is unsolicited.
func (p *Processor) wanted(ctx context.Context, n *remoteNote) (bool, error) {
	if len(n.addressed) > 0 {
		return true, nil
	}
	if n.obj.InReplyTo != "" {
		if _, err := p.Store.ObjectByURI(ctx, n.obj.InReplyTo); err == nil {
			return true, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
	}
	return p.Store.HasLocalFollower(ctx, n.obj.AttributedTo)
}

// storeNote writes a new remote post and its mentions; a post already known
// (or deleted) is left as it is.
func (p *Processor) storeNote(ctx context.Context, n *remoteNote) error {
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		created, err := tx.CreateObject(ctx, n.obj)
		if err != nil || !created {
			return err
		}
		if err := tx.SetObjectTags(ctx, n.obj.ID, n.tags); err != nil {
			return err
		}
		if _, err := tx.ReplaceRemoteMedia(ctx, n.obj.ID, n.obj.AttributedTo, n.media); err != nil {
			return err
		}
		for _, a := range n.addressed {
			if a.Type == store.TypePerson {
				if err := tx.AddMention(ctx, n.obj.ID, a.ID); err != nil {
					return err
				}
			}
		}
		return outbox.NotifyPost(ctx, tx, n.obj, n.addressed)
	})
}
