package outbox

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// MaxNoteLength is the longest post, in characters.
const MaxNoteLength = 5000

// maxMentions bounds the handles resolved for one post.
const maxMentions = 20

// MaxSpoilerLength bounds a content warning, in characters.
const MaxSpoilerLength = 500

// NewNote is a post as a user writes it.
type NewNote struct {
	Text        string
	Visibility  string // public, unlisted, private, direct; group posts are "group"
	InReplyToID int64
	GroupID     int64
	// SpoilerText is a content warning (plain text); with one, the post is
	// sensitive whatever Sensitive says, as in Mastodon.
	SpoilerText string
	Sensitive   bool
	// Language is an ISO 639 code ("" when not said).
	Language string
	// MediaIDs are the author's uploads to attach, in order.
	MediaIDs []int64
}

// NoteEdit is a change of one's post: nil fields stay as they are.
type NoteEdit struct {
	Text        string
	SpoilerText *string
	Sensitive   *bool
	Language    string
	// MediaIDs replaces the attachments when set.
	MediaIDs *[]int64
}

var languageRE = regexp.MustCompile(`^[a-z]{2,3}$`)

// checkWarning validates a post's content warning and language.
func checkWarning(spoiler, language string) (string, string, error) {
	spoiler = strings.TrimSpace(spoiler)
	if utf8.RuneCountInString(spoiler) > MaxSpoilerLength {
		return "", "", fieldErr("spoiler_text", "at most %d characters", MaxSpoilerLength)
	}
	language = strings.ToLower(strings.TrimSpace(language))
	if language != "" && !languageRE.MatchString(language) {
		return "", "", fieldErr("language", "an ISO 639 code such as fr or en")
	}
	return spoiler, language, nil
}

// mentionRE finds @name and @name@host in a post.
var mentionRE = regexp.MustCompile(`(^|[^\w/@])@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9.-]+(?::\d+)?))?`)

// hashtagRE finds #tags in a post's HTML as Mastodon's regular expression
// does: Unicode letters, marks, digits and underscores, at least one
// letter (so "#1" and the "&#39;" of an escaped quote are not tags), not
// after a letter, a slash or an entity's "&".
var hashtagRE = regexp.MustCompile(`(^|[^\pL\pM\pN_/)&#])#([\pL\pM\p{Nd}_]*\pL[\pL\pM\p{Nd}_]*)`)

// maxHashtagLength bounds one hashtag, in characters.
const maxHashtagLength = 100

// CreateNote publishes a post by a local person: stored, then sent to the
// nodes of its followers, of the people it mentions and of the author it
// answers.
func (o *Outbox) CreateNote(ctx context.Context, author *store.Actor, nn NewNote) (*store.Object, error) {
	text := strings.TrimSpace(nn.Text)
	switch {
	case text == "" && len(nn.MediaIDs) == 0:
		return nil, fieldErr("status", "required")
	case utf8.RuneCountInString(text) > MaxNoteLength:
		return nil, fieldErr("status", "at most %d characters", MaxNoteLength)
	}
	spoiler, language, err := checkWarning(nn.SpoilerText, nn.Language)
	if err != nil {
		return nil, err
	}
	obj := &store.Object{Type: "Note", Local: true, AttributedTo: author.ID, Visibility: nn.Visibility,
		Summary: spoiler, Sensitive: nn.Sensitive || spoiler != "", Language: language}
	var parent *store.Object
	if nn.InReplyToID != 0 {
		var err error
		parent, err = o.Store.ObjectByID(ctx, nn.InReplyToID)
		if err == nil && parent.DeletedAt == nil {
			// A post the author may not read is answered as if it did not
			// exist: the answer must not tell it is there, nor whose it is.
			var visible bool
			if visible, err = o.Store.CanSee(ctx, parent, author.ID); err == nil && !visible {
				err = ErrNotFound
			}
		}
		if isNotFound(err) || (err == nil && parent.DeletedAt != nil) {
			return nil, fieldErr("in_reply_to_id", "no such status")
		} else if err != nil {
			return nil, err
		}
		obj.InReplyTo = parent.URI
		if parent.GroupID != nil && nn.GroupID == 0 {
			nn.GroupID = *parent.GroupID // a reply stays in the parent's group
		}
	}
	content, mentioned := o.renderMentions(ctx, text)
	if nn.GroupID == 0 && nn.Visibility != store.ObjDirect {
		nn.GroupID = o.mentionedGroup(ctx, author, mentioned)
	}
	if nn.GroupID != 0 {
		if err := o.canPostIn(ctx, nn.GroupID, author); err != nil {
			return nil, err
		}
		obj.GroupID = &nn.GroupID
		obj.Visibility = store.ObjGroup
	}
	switch obj.Visibility {
	case "":
		obj.Visibility = store.ObjPublic
	case store.ObjPublic, store.ObjUnlisted, store.ObjPrivate, store.ObjDirect:
	case store.ObjGroup:
		if obj.GroupID == nil {
			return nil, fieldErr("visibility", "a group post needs its group_id")
		}
	default:
		return nil, fieldErr("visibility", "one of public, unlisted, private, direct")
	}
	var tags []string
	obj.Content, tags = o.renderHashtags(content)
	if parent != nil {
		mentioned = withRepliedAuthor(mentioned, parent, author)
	}
	recipients := append([]*store.Actor{}, mentioned...)
	if obj.GroupID != nil {
		g, err := o.Store.ActorByID(ctx, *obj.GroupID)
		if err != nil {
			return nil, err
		}
		recipients = append(recipients, g)
	}
	obj.Author = author
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		// The URI contains the row id, so it is set once the row exists.
		obj.URI = o.Links.Activity(store.NewID())
		if _, err := tx.CreateObject(ctx, obj); err != nil {
			return err
		}
		obj.URI = o.Links.Note(author.Username, obj.ID)
		obj.URL = obj.URI
		if err := tx.SetObjectURI(ctx, obj.ID, obj.URI, obj.URL); err != nil {
			return err
		}
		if err := tx.SetNoteSource(ctx, obj.ID, text); err != nil {
			return err
		}
		if err := tx.SetMentions(ctx, obj.ID, actorIDs(mentioned)); err != nil {
			return err
		}
		if err := tx.SetObjectTags(ctx, obj.ID, tags); err != nil {
			return err
		}
		if len(nn.MediaIDs) > 0 {
			if err := attachMedia(ctx, tx, author, obj.ID, nn.MediaIDs); err != nil {
				return err
			}
		}
		if err := NotifyPost(ctx, tx, obj, mentioned); err != nil {
			return err
		}
		inboxes, err := o.noteInboxes(ctx, tx, author, obj, recipients)
		if err != nil {
			return err
		}
		rows, err := tx.NoteRowsOfOne(ctx, obj)
		if err != nil {
			return err
		}
		create, doc, err := o.Links.CreateDocument(rows)
		if err != nil {
			return err
		}
		raw, err := ap.WithContext(doc)
		if err != nil {
			return err
		}
		ds, err = o.publishInGroup(ctx, tx, author, create, raw, obj, inboxes)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return obj, nil
}

// canPostIn tells whether author may post in a group: an accepted member
// may. A secret group the author is not in is answered as a missing one.
func (o *Outbox) canPostIn(ctx context.Context, groupID int64, author *store.Actor) error {
	m, err := o.Store.MembershipOf(ctx, groupID, author.ID)
	if err == nil && m.State == store.StateAccepted {
		return nil
	}
	if err != nil && !isNotFound(err) {
		return err
	}
	g, err := o.Store.GroupByActorID(ctx, groupID)
	if isNotFound(err) || (err == nil && g.Visibility == store.VisibilitySecret && (m == nil || m.State != store.StateInvited)) {
		return fieldErr("group_id", "no such group")
	} else if err != nil {
		return err
	}
	return ErrForbidden
}

// mentionedGroup is the first group a post mentions (@name@host) that its
// author may post in, 0 for none: such a post is posted in the group, as
// Friendica and Lemmy users post in a group by mentioning it. A mention of
// a group the author may not post in stays a mere mention.
func (o *Outbox) mentionedGroup(ctx context.Context, author *store.Actor, mentioned []*store.Actor) int64 {
	for _, a := range mentioned {
		if a.Type == store.TypeGroup && o.canPostIn(ctx, a.ID, author) == nil {
			return a.ID
		}
	}
	return 0
}

// withRepliedAuthor adds the author a reply answers to the people it
// mentions: tagged and addressed, so that their server notifies them, as
// Mastodon, GoToSocial and Pleroma replies do (their clients start a reply
// with "@author"; here the server makes sure of it, whatever the text).
func withRepliedAuthor(mentioned []*store.Actor, parent *store.Object, author *store.Actor) []*store.Actor {
	pa := parent.Author
	if pa == nil || pa.ID == author.ID || pa.Type != store.TypePerson {
		return mentioned
	}
	for _, m := range mentioned {
		if m.ID == pa.ID {
			return mentioned
		}
	}
	return append(mentioned, pa)
}

func actorIDs(actors []*store.Actor) []int64 {
	ids := make([]int64, 0, len(actors))
	for _, a := range actors {
		ids = append(ids, a.ID)
	}
	return ids
}

// noteInboxes are the nodes a note goes to: its author's followers' nodes
// (unless direct or in a group), and the nodes of the actors it names.
func (o *Outbox) noteInboxes(ctx context.Context, tx *store.Store, author *store.Actor, obj *store.Object, recipients []*store.Actor) ([]string, error) {
	var inboxes []string
	if obj.Visibility == store.ObjPublic || obj.Visibility == store.ObjUnlisted || obj.Visibility == store.ObjPrivate {
		followers, err := tx.FollowerInboxes(ctx, author.ID)
		if err != nil {
			return nil, err
		}
		inboxes = followers
	}
	return append(inboxes, inboxesOf(recipients...)...), nil
}

// renderMentions escapes the text into HTML paragraphs and links the @handles
// it can resolve; it returns the mentioned actors.
func (o *Outbox) renderMentions(ctx context.Context, text string) (string, []*store.Actor) {
	body := ap.TextToHTML(text)
	var mentioned []*store.Actor
	seen := map[int64]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(text, maxMentions) {
		name, host := m[2], m[3]
		var a *store.Actor
		var err error
		if host == "" || strings.EqualFold(host, o.Links.Host()) {
			a, err = o.Store.LocalActorByUsername(ctx, name)
		} else if o.Resolver != nil {
			a, err = o.Resolver.ResolveHandle(ctx, name+"@"+host)
		} else {
			continue
		}
		if err != nil || a == nil || seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		mentioned = append(mentioned, a)
		handle := "@" + name
		if host != "" {
			handle += "@" + host
		}
		link := `<span class="h-card"><a href="` + html.EscapeString(a.URL) + `" class="u-url mention">@<span>` +
			html.EscapeString(a.Username) + `</span></a></span>`
		body = strings.Replace(body, html.EscapeString(handle), link, 1)
	}
	return body, mentioned
}

// renderHashtags links the #tags of a post's HTML to their pages, as
// Mastodon links them, and returns their names, normalised, once each.
func (o *Outbox) renderHashtags(body string) (string, []string) {
	var tags []string
	seen := map[string]bool{}
	linked := hashtagRE.ReplaceAllStringFunc(body, func(m string) string {
		sub := hashtagRE.FindStringSubmatch(m)
		before, tag := sub[1], sub[2]
		name := store.NormaliseTag(tag)
		if name == "" || utf8.RuneCountInString(tag) > maxHashtagLength {
			return m // not one store.NormaliseTag keeps (too long)
		}
		if !seen[name] {
			seen[name] = true
			tags = append(tags, name)
		}
		return before + `<a href="` + html.EscapeString(o.Links.Tag(url.PathEscape(name))) + `" class="mention hashtag" rel="tag">#<span>` +
			tag + `</span></a>`
	})
	return linked, tags
}

// ownNote loads a live note of author.
func (o *Outbox) ownNote(ctx context.Context, author *store.Actor, id int64) (*store.Object, error) {
	obj, err := o.Store.ObjectByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if obj.DeletedAt != nil {
		return nil, ErrNotFound
	}
	if obj.AttributedTo != author.ID || !obj.Local {
		return nil, ErrForbidden
	}
	return obj, nil
}

// UpdateNote edits a local post and sends the Update where the post went.
func (o *Outbox) UpdateNote(ctx context.Context, author *store.Actor, id int64, edit NoteEdit) (*store.Object, error) {
	text := strings.TrimSpace(edit.Text)
	if text == "" && (edit.MediaIDs == nil || len(*edit.MediaIDs) == 0) {
		return nil, fieldErr("status", "required")
	}
	if utf8.RuneCountInString(text) > MaxNoteLength {
		return nil, fieldErr("status", "at most %d characters", MaxNoteLength)
	}
	obj, err := o.ownNote(ctx, author, id)
	if err != nil {
		return nil, err
	}
	if edit.SpoilerText != nil {
		spoiler, _, err := checkWarning(*edit.SpoilerText, "")
		if err != nil {
			return nil, err
		}
		obj.Summary = spoiler
	}
	if edit.Sensitive != nil {
		obj.Sensitive = *edit.Sensitive
	}
	obj.Sensitive = obj.Sensitive || obj.Summary != ""
	if _, language, err := checkWarning("", edit.Language); err != nil {
		return nil, err
	} else if language != "" {
		obj.Language = language
	}
	content, mentioned := o.renderMentions(ctx, text)
	if obj.InReplyTo != "" {
		if parent, err := o.Store.ObjectByURI(ctx, obj.InReplyTo); err == nil {
			mentioned = withRepliedAuthor(mentioned, parent, author)
		}
	}
	var tags []string
	obj.Content, tags = o.renderHashtags(content)
	now := time.Now().UTC().Truncate(time.Second)
	obj.Updated = &now
	ds, err := o.sendAboutNote(ctx, author, obj, func(tx *store.Store) (vocab.Item, []byte, error) {
		if err := tx.UpdateObject(ctx, obj); err != nil {
			return nil, nil, err
		}
		if err := tx.SetNoteSource(ctx, obj.ID, text); err != nil {
			return nil, nil, err
		}
		if err := tx.SetMentions(ctx, obj.ID, actorIDs(mentioned)); err != nil {
			return nil, nil, err
		}
		if err := tx.SetObjectTags(ctx, obj.ID, tags); err != nil {
			return nil, nil, err
		}
		if edit.MediaIDs != nil {
			if err := attachMedia(ctx, tx, author, obj.ID, *edit.MediaIDs); err != nil {
				return nil, nil, err
			}
		}
		if err := tx.NotifySharers(ctx, store.Notification{Type: store.NotifyUpdate, From: author.ID, ObjectID: obj.ID}); err != nil {
			return nil, nil, err
		}
		return o.aboutNote(ctx, tx, vocab.UpdateType, author, obj)
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return obj, nil
}

// DeleteNote deletes a local post; peers receive a Delete with a Tombstone.
func (o *Outbox) DeleteNote(ctx context.Context, author *store.Actor, id int64) error {
	obj, err := o.ownNote(ctx, author, id)
	if err != nil {
		return err
	}
	now := time.Now()
	ds, err := o.sendAboutNote(ctx, author, obj, func(tx *store.Store) (vocab.Item, []byte, error) {
		if err := tx.DeleteObject(ctx, obj.ID); err != nil {
			return nil, nil, err
		}
		obj.DeletedAt = &now
		return o.aboutNote(ctx, tx, vocab.DeleteType, author, obj)
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// aboutNote is an activity of typ (Update, Delete) by author about a post,
// carrying the post's document (its Tombstone once deleted) and addressed
// as the post is.
func (o *Outbox) aboutNote(ctx context.Context, tx *store.Store, typ vocab.ActivityVocabularyType, author *store.Actor, obj *store.Object) (vocab.Item, []byte, error) {
	rows, err := tx.NoteRowsOfOne(ctx, obj)
	if err != nil {
		return nil, nil, err
	}
	doc, err := o.Links.NoteDocument(rows)
	if err != nil {
		return nil, nil, err
	}
	addr := ap.NoteAddressing(rows)
	act := ap.NewActivity(typ, o.Links.Activity(store.NewID()), author.URI, vocab.IRI(obj.URI), addr.To, addr.CC)
	act.Audience = addr.Audience
	raw, err := ap.Marshal(act, map[string]any{"object": doc})
	return act, raw, err
}

// sendAboutNote runs change in a transaction and publishes the activity it
// returns to the same nodes as the note's Create, and to anyone the change
// mentions anew.
func (o *Outbox) sendAboutNote(ctx context.Context, author *store.Actor, obj *store.Object,
	change func(tx *store.Store) (vocab.Item, []byte, error)) ([]store.Delivery, error) {
	obj.Author = author
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		before, err := tx.MentionedActors(ctx, obj.ID)
		if err != nil {
			return err
		}
		act, raw, err := change(tx)
		if err != nil {
			return err
		}
		after, err := tx.MentionedActors(ctx, obj.ID)
		if err != nil {
			return err
		}
		recipients := append(before, after...)
		if obj.GroupID != nil {
			group, err := tx.ActorByID(ctx, *obj.GroupID)
			if err != nil {
				return err
			}
			recipients = append(recipients, group)
		}
		if obj.InReplyTo != "" {
			// Posts from before replies mentioned their parent's author.
			if parent, err := tx.ObjectByURI(ctx, obj.InReplyTo); err == nil {
				recipients = append(recipients, parent.Author)
			}
		}
		inboxes, err := o.noteInboxes(ctx, tx, author, obj, recipients)
		if err != nil {
			return err
		}
		// The followers of a public group took its posts from an
		// Announce{Note} (see announce.go); Mastodon and GoToSocial accept
		// an edit or a deletion of a post only from its author.
		if g, err := o.localGroupOf(ctx, tx, obj.GroupID); err != nil {
			return err
		} else if g != nil && g.Visibility == store.VisibilityPublic {
			followers, err := tx.GroupFollowerInboxes(ctx, g.ID)
			if err != nil {
				return err
			}
			inboxes = append(inboxes, followers...)
		}
		ds, err = o.publishInGroup(ctx, tx, author, act, raw, obj, inboxes)
		return err
	})
	return ds, err
}

// publishInGroup publishes an activity about obj (serialised as raw, or
// from act when raw is nil) and, when obj is in one of our groups, has the
// group announce it to its members' nodes.
func (o *Outbox) publishInGroup(ctx context.Context, tx *store.Store, actor *store.Actor, act vocab.Item, raw []byte, obj *store.Object, inboxes []string) ([]store.Delivery, error) {
	if raw == nil {
		var err error
		if raw, err = ap.Marshal(act, nil); err != nil {
			return nil, err
		}
	}
	ds, err := o.publishRaw(ctx, tx, actor, act, raw, obj.URI, inboxes)
	if err != nil {
		return nil, err
	}
	g, err := o.localGroupOf(ctx, tx, obj.GroupID)
	if err != nil || g == nil {
		return ds, err
	}
	more, err := o.announceInGroup(ctx, tx, g, raw, obj.URI)
	return append(ds, more...), err
}

// Like records a like and tells the author's node.
func (o *Outbox) Like(ctx context.Context, actor *store.Actor, objectID int64, like bool) (*store.Object, error) {
	obj, err := o.Store.ObjectByID(ctx, objectID)
	if err != nil {
		return nil, err
	}
	if obj.DeletedAt != nil {
		return nil, ErrNotFound
	}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		prev, err := tx.LikeOf(ctx, actor.ID, obj.ID)
		if err != nil && !isNotFound(err) {
			return err
		}
		if like == (prev != "") {
			return nil // nothing changes
		}
		id := o.Links.Activity(store.NewID())
		likeAct := ap.NewActivity(vocab.LikeType, id, actor.URI, vocab.IRI(obj.URI), ap.IRIs(obj.Author.URI), nil)
		var act vocab.Item = likeAct
		if like {
			err = tx.AddLike(ctx, actor.ID, obj.ID, id)
		} else {
			likeAct.ID = vocab.ID(prev)
			act = ap.NewActivity(vocab.UndoType, id, actor.URI, likeAct, ap.IRIs(obj.Author.URI), nil)
			err = tx.RemoveLike(ctx, actor.ID, obj.ID)
		}
		if err != nil {
			return err
		}
		if err := notifyToggle(ctx, tx, like, store.Notification{Recipient: obj.AttributedTo, Type: store.NotifyFavourite,
			From: actor.ID, ObjectID: obj.ID}); err != nil {
			return err
		}
		targets := inboxesOf(obj.Author)
		if obj.GroupID != nil {
			if g, err := tx.ActorByID(ctx, *obj.GroupID); err == nil {
				targets = append(targets, inboxesOf(g)...)
			}
		}
		ds, err = o.publishInGroup(ctx, tx, actor, act, nil, obj, targets)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return obj, nil
}

// UpdateProfile sends the new actor document to the nodes of the actor's
// followers and of the remote groups they belong to.
func (o *Outbox) UpdateProfile(ctx context.Context, actor *store.Actor) error {
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		var err error
		ds, err = o.publishProfile(ctx, tx, actor)
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// publishProfile stores an Update of actor in tx for the nodes of its
// followers and of the remote groups it is in (which check the tier of
// their members), and returns the deliveries to enqueue after commit.
func (o *Outbox) publishProfile(ctx context.Context, tx *store.Store, actor *store.Actor) ([]store.Delivery, error) {
	inboxes, err := tx.FollowerInboxes(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	groupInboxes, err := tx.MemberGroupInboxes(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	inboxes = append(inboxes, groupInboxes...)
	if len(inboxes) == 0 {
		return nil, nil
	}
	if actor.Skills == nil {
		if actor.Skills, err = tx.Skills(ctx, actor.ID); err != nil {
			return nil, err
		}
	}
	images, err := tx.ProfileMedia(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	doc, err := o.Links.ActorDocument(actor, nil, images...)
	if err != nil {
		return nil, err
	}
	// The actor is embedded as raw JSON so its extension fields survive.
	update := ap.NewActivity(vocab.UpdateType, o.Links.Activity(store.NewID()), actor.URI, vocab.IRI(actor.URI),
		vocab.ItemCollection{vocab.PublicNS}, ap.IRIs(actor.Followers))
	raw, err := ap.Marshal(update, map[string]any{"object": rawJSON(doc)})
	if err != nil {
		return nil, err
	}
	// publishRaw sends once per inbox.
	return o.publishRaw(ctx, tx, actor, update, raw, actor.URI, inboxes)
}

// DeleteInGroup lets a group's animators (and the admins over it) delete any
// post in a local group, a remote member's too: the group sends the Delete
// and announces it to every member node.
func (o *Outbox) DeleteInGroup(ctx context.Context, acct *store.Account, id int64) error {
	obj, err := o.Store.ObjectByID(ctx, id)
	if err != nil {
		return err
	}
	if obj.DeletedAt != nil || obj.GroupID == nil {
		return ErrNotFound
	}
	g, _, err := o.moderator(ctx, acct, *obj.GroupID)
	if err != nil {
		return err
	}
	now := time.Now()
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteObject(ctx, obj.ID); err != nil {
			return err
		}
		obj.DeletedAt = &now
		del := ap.NewActivity(vocab.DeleteType, o.Links.Activity(store.NewID()), g.URI, ap.Tombstone(obj.URI, obj.Type, now),
			ap.IRIs(g.MembersURI), nil)
		var err error
		ds, err = o.publishInGroup(ctx, tx, g.Actor, del, nil, obj, inboxesOf(obj.Author))
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}
