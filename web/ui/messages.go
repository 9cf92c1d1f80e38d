package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// Direct messages in the web interface: the reader's conversations (the
// store's view of direct threads, the one the Mastodon API serves), one
// conversation's thread with a reply form, and a form for a new message,
// which is a direct post through the outbox like any other.

// conversationView is one line of /messages.
type conversationView struct {
	ID           int64
	Participants []*store.Actor
	Last         *store.Object
	Unread       bool
}

// recipientRE is one recipient of the new message form: @user or
// @user@host (the leading @ optional).
var recipientRE = regexp.MustCompile(`^@?([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9.-]+(?::\d+)?))?$`)

func (u *UI) messages(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.messages", "messages")
	v.Form = url.Values{}
	u.renderMessages(w, r, v, http.StatusOK)
}

func (u *UI) renderMessages(w http.ResponseWriter, r *http.Request, v *view, status int) {
	me := sessionOf(r).Actor.ID
	convs, err := u.Store.Conversations(r.Context(), me, store.Page{Limit: 40})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	roots := make([]string, 0, len(convs))
	lastIDs := make([]int64, 0, len(convs))
	for _, c := range convs {
		roots, lastIDs = append(roots, c.RootURI), append(lastIDs, c.LastID)
	}
	people, err := u.Store.ConversationParticipants(r.Context(), me, roots)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	lasts, err := u.Store.ObjectsByIDs(r.Context(), lastIDs)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	list := make([]conversationView, 0, len(convs))
	for _, c := range convs {
		list = append(list, conversationView{ID: c.RootID, Participants: people[c.RootURI], Last: lasts[c.LastID], Unread: c.Unread})
	}
	v.Data = list
	u.render(w, status, "messages", v)
}

// sendMessage posts a new direct message to the recipients of the form.
func (u *UI) sendMessage(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.messages", "messages")
	v.Form = r.PostForm
	text := r.PostFormValue("text")
	fields := strings.FieldsFunc(r.PostFormValue("to"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })
	var handles []string
	if len(fields) == 0 {
		v.Errors["to"] = v.T("messages.no_recipient")
	}
	for _, f := range fields {
		m := recipientRE.FindStringSubmatch(f)
		if m == nil || len(handles) >= 20 {
			v.Errors["to"] = v.T("messages.unknown_recipient", f)
			break
		}
		h := m[1] + "@" + u.Links.Host()
		if m[2] != "" {
			h = m[1] + "@" + m[2]
		}
		a, err := u.Federator.ResolveHandle(r.Context(), h)
		if err != nil || a == nil || a.Type != store.TypePerson {
			v.Errors["to"] = v.T("messages.unknown_recipient", f)
			break
		}
		handles = append(handles, "@"+replyHandle(a))
	}
	if !validMessage(text) {
		v.Errors["text"] = v.T("rule.text")
	}
	if len(v.Errors) > 0 {
		u.renderMessages(w, r, v, http.StatusUnprocessableEntity)
		return
	}
	obj, err := u.Outbox.CreateNote(r.Context(), sessionOf(r).Actor,
		outbox.NewNote{Text: strings.Join(handles, " ") + " " + text, Visibility: store.ObjDirect})
	if err != nil {
		if _, ok := fieldErrors(langOf(r.Context()), err); ok {
			v.Errors["text"] = v.T("rule.text")
			u.renderMessages(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/messages/"+strconv.FormatInt(obj.ID, 10)+"?notice=posted", http.StatusSeeOther)
}

func validMessage(text string) bool {
	return strings.TrimSpace(text) != "" && utf8.ValidString(text) && !strings.ContainsRune(text, 0) &&
		utf8.RuneCountInString(text) <= outbox.MaxNoteLength
}

// conversationData is one conversation's page.
type conversationData struct {
	ID           int64
	Participants []*store.Actor
	Posts        []postView
}

// conversationFromPath loads the reader's conversation of the path, or
// ErrNotFound for anyone not in it.
func (u *UI) conversationFromPath(r *http.Request) (store.Conversation, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return store.Conversation{}, store.ErrNotFound
	}
	return u.Store.ConversationOf(r.Context(), sessionOf(r).Actor.ID, id)
}

// conversation shows a conversation's direct posts, oldest first, with a
// reply form; opening it marks it read.
func (u *UI) conversation(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.conversation", "messages")
	v.Form = url.Values{}
	u.renderConversation(w, r, v, http.StatusOK)
}

func (u *UI) renderConversation(w http.ResponseWriter, r *http.Request, v *view, status int) {
	me := sessionOf(r).Actor.ID
	c, err := u.conversationFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if err := u.Store.MarkConversation(r.Context(), me, c.RootURI, false); err != nil {
		u.fail(w, r, err)
		return
	}
	posts, err := u.conversationPosts(r, c)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	people, err := u.Store.ConversationParticipants(r.Context(), me, []string{c.RootURI})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.Data = conversationData{ID: c.RootID, Participants: people[c.RootURI], Posts: u.postViews(r, posts)}
	u.render(w, status, "conversation", v)
}

// conversationPosts walks a conversation's thread down from its first
// post: the direct posts the reader may see, oldest first.
func (u *UI) conversationPosts(r *http.Request, c store.Conversation) ([]*store.Object, error) {
	root, err := u.Store.ObjectByID(r.Context(), c.RootID)
	if err != nil {
		return nil, err
	}
	var out []*store.Object
	seen := map[string]bool{}
	queue := []*store.Object{root}
	for len(queue) > 0 && len(out) < 500 {
		o := queue[0]
		queue = queue[1:]
		if seen[o.URI] {
			continue
		}
		seen[o.URI] = true
		if o.DeletedAt == nil && o.Visibility == store.ObjDirect && u.canSee(r, o) {
			out = append(out, o)
		}
		replies, err := u.Store.Replies(r.Context(), o.URI, 100)
		if err != nil {
			return nil, err
		}
		for _, rep := range replies {
			if rep.Visibility == store.ObjDirect {
				queue = append(queue, rep)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Published.Before(out[j].Published) })
	return out, nil
}

// replyMessage answers a conversation: a direct post replying to its
// latest message, naming everyone in it.
func (u *UI) replyMessage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	c, err := u.conversationFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	text := r.PostFormValue("text")
	if !validMessage(text) {
		v := u.newView(r, "title.conversation", "messages")
		v.Form = r.PostForm
		v.Errors["text"] = v.T("rule.text")
		u.renderConversation(w, r, v, http.StatusUnprocessableEntity)
		return
	}
	people, err := u.Store.ConversationParticipants(r.Context(), s.Actor.ID, []string{c.RootURI})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	var handles []string
	for _, a := range people[c.RootURI] {
		handles = append(handles, "@"+replyHandle(a))
	}
	nn := outbox.NewNote{Text: strings.Join(append(handles, text), " "), Visibility: store.ObjDirect, InReplyToID: c.LastID}
	obj, err := u.Outbox.CreateNote(r.Context(), s.Actor, nn)
	if err != nil {
		if _, ok := fieldErrors(langOf(r.Context()), err); ok {
			v := u.newView(r, "title.conversation", "messages")
			v.Form = r.PostForm
			v.Errors["text"] = v.T("rule.text")
			u.renderConversation(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/messages/"+strconv.FormatInt(c.RootID, 10)+"?notice=replied#post-"+strconv.FormatInt(obj.ID, 10), http.StatusSeeOther)
}
