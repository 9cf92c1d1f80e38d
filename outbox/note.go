package outbox

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// MaxNoteLength is the longest post, in characters.
const MaxNoteLength = 5000

// NewNote is a post as a user writes it.
type NewNote struct {
	Text        string
	Visibility  string // public, unlisted, private, direct; group posts are "group"
	InReplyToID int64
	GroupID     int64
}

// CreateNote publishes a post by a local person.
func (o *Outbox) CreateNote(ctx context.Context, author *store.Actor, nn NewNote) (*store.Object, error) {
	text := strings.TrimSpace(nn.Text)
	switch {
	case text == "":
		return nil, fieldErr("status", "required")
	case utf8.RuneCountInString(text) > MaxNoteLength:
		return nil, fieldErr("status", "at most %d characters", MaxNoteLength)
	}
	obj := &store.Object{Type: "Note", Local: true, AttributedTo: author.ID, Content: ap.TextToHTML(text),
		Visibility: nn.Visibility}
	if nn.GroupID != 0 {
		m, err := o.Store.MembershipOf(ctx, nn.GroupID, author.ID)
		if isNotFound(err) || (err == nil && m.State != store.StateAccepted) {
			return nil, ErrForbidden
		} else if err != nil {
			return nil, err
		}
		obj.GroupID = &nn.GroupID
		obj.Visibility = store.ObjGroup
	}
	switch obj.Visibility {
	case "":
		obj.Visibility = store.ObjPublic
	case store.ObjPublic, store.ObjUnlisted, store.ObjPrivate, store.ObjDirect, store.ObjGroup:
	default:
		return nil, fieldErr("visibility", "one of public, unlisted, private, direct")
	}
	if nn.InReplyToID != 0 {
		parent, err := o.Store.ObjectByID(ctx, nn.InReplyToID)
		if isNotFound(err) {
			return nil, fieldErr("in_reply_to_id", "no such status")
		} else if err != nil {
			return nil, err
		}
		obj.InReplyTo = parent.URI
		if parent.GroupID != nil && obj.GroupID == nil {
			// A reply stays in the parent's group.
			return o.CreateNote(ctx, author, NewNote{Text: nn.Text, InReplyToID: nn.InReplyToID, GroupID: *parent.GroupID})
		}
	}
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		// The URI contains the row id, so it is set once the row exists.
		obj.URI = o.Links.Activity(store.NewID())
		if _, err := tx.CreateObject(ctx, obj); err != nil {
			return err
		}
		obj.URI = o.Links.Note(author.Username, obj.ID)
		obj.URL = obj.URI
		return tx.SetObjectURI(ctx, obj.ID, obj.URI, obj.URL)
	})
	if err != nil {
		return nil, err
	}
	obj.Author = author
	return obj, nil
}
