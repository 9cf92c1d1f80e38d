package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/redirect"
)

// feedSize is how many posts a feed page shows.
const feedSize = 20

// postView is one post as a feed shows it.
type postView struct {
	*store.Object
	Likes     int64
	Liked     bool
	Replies   int64
	CanDelete bool
	Group     *store.Actor
	// SharedBy is the followed person whose share brought the post here.
	SharedBy *store.Actor
	// Shareable posts are public and outside groups; Shared says the reader
	// shared this one.
	Shareable, Shared bool
}

// feed is a list of posts, with the reader's membership changes among them
// on the home feed, and the link to older ones.
type feed struct {
	Items []feedItem
	Older string
}

// feedItem is a post or a membership change.
type feedItem struct {
	Post  *postView
	Event *store.GroupEvent
}

// resolveShares puts in place of each share the post it shares, with who
// shared it; shares of posts now gone are left out.
func (u *UI) resolveShares(r *http.Request, objs []*store.Object) ([]*store.Object, []*store.Actor) {
	var uris []string
	for _, o := range objs {
		if o.Type == store.ShareType {
			uris = append(uris, o.URL)
		}
	}
	if len(uris) == 0 {
		return objs, make([]*store.Actor, len(objs))
	}
	shared, err := u.Store.SharedPosts(r.Context(), uris)
	if err != nil {
		u.Log.Warn("shared posts", "err", err)
	}
	// A post shows once a page, even when it came both by its author and by
	// shares.
	seen := map[string]bool{}
	for _, o := range objs {
		if o.Type != store.ShareType {
			seen[o.URI] = true
		}
	}
	posts := make([]*store.Object, 0, len(objs))
	by := make([]*store.Actor, 0, len(objs))
	for _, o := range objs {
		switch {
		case o.Type != store.ShareType:
			posts, by = append(posts, o), append(by, nil)
		case shared[o.URL] != nil && !seen[o.URL]:
			seen[o.URL] = true
			posts, by = append(posts, shared[o.URL]), append(by, o.Author)
		}
	}
	return posts, by
}

func (u *UI) postViews(r *http.Request, objs []*store.Object) []postView {
	ctx := r.Context()
	ids := make([]int64, 0, len(objs))
	uris := make([]string, 0, len(objs))
	for _, o := range objs {
		ids = append(ids, o.ID)
		uris = append(uris, o.URI)
	}
	var me int64
	if s := sessionOf(r); s != nil {
		me = s.Actor.ID
	}
	likes, err := u.Store.LikeSummaries(ctx, me, ids)
	if err != nil {
		u.Log.Warn("like summaries", "err", err)
	}
	replies, err := u.Store.CountReplies(ctx, uris)
	if err != nil {
		u.Log.Warn("reply counts", "err", err)
	}
	var shared map[string]bool
	if me != 0 {
		if shared, err = u.Store.SharedByActor(ctx, me, uris); err != nil {
			u.Log.Warn("shares", "err", err)
		}
	}
	groups := map[int64]*store.Actor{}
	out := make([]postView, 0, len(objs))
	for _, o := range objs {
		pv := postView{Object: o, Likes: likes[o.ID].Count, Liked: likes[o.ID].ByActor, Replies: replies[o.URI],
			CanDelete: me != 0 && o.AttributedTo == me && o.Local, Shared: shared[o.URI],
			Shareable: me != 0 && o.GroupID == nil && (o.Visibility == store.ObjPublic || o.Visibility == store.ObjUnlisted)}
		if o.GroupID != nil {
			g, ok := groups[*o.GroupID]
			if !ok {
				g, _ = u.Store.ActorByID(ctx, *o.GroupID)
				groups[*o.GroupID] = g
			}
			pv.Group = g
		}
		out = append(out, pv)
	}
	return out
}

func (u *UI) feedOf(r *http.Request, objs []*store.Object) feed {
	var f feed
	posts, sharedBy := u.resolveShares(r, objs)
	for i, p := range u.postViews(r, posts) {
		p.SharedBy = sharedBy[i]
		f.Items = append(f.Items, feedItem{Post: &p})
	}
	if len(objs) == feedSize {
		q := url.Values{"max_id": {strconv.FormatInt(objs[len(objs)-1].ID, 10)}}
		f.Older = r.URL.Path + "?" + q.Encode()
	}
	return f
}

func pageOf(r *http.Request) store.Page {
	maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	return store.Page{MaxID: maxID, Limit: feedSize}
}

// home is the feed of followed people and joined groups, with a composer;
// anonymous readers get the welcome page.
func (u *UI) home(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	if s == nil {
		v := u.newView(r, "title.welcome", "home")
		u.render(w, http.StatusOK, "welcome", v)
		return
	}
	if !s.Account.Active() {
		http.Redirect(w, r, "/confirm", http.StatusSeeOther)
		return
	}
	objs, err := u.Store.HomeTimeline(r.Context(), s.Actor.ID, pageOf(r))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f := u.feedOf(r, objs)
	if f.Items, err = u.withMembershipChanges(r, s.Actor.ID, objs, f.Items); err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.home", "home")
	v.Data = f
	u.render(w, http.StatusOK, "home", v)
}

// withMembershipChanges sets the reader's joins, approvals, invitations and
// removals among the posts of a home feed page, by time: those between this
// page's oldest post (none on the last page) and the previous page's.
func (u *UI) withMembershipChanges(r *http.Request, memberID int64, objs []*store.Object, items []feedItem) ([]feedItem, error) {
	upTo := time.Now().Add(time.Minute)
	if maxID := pageOf(r).MaxID; maxID > 0 {
		prev, err := u.Store.ObjectByID(r.Context(), maxID)
		if err != nil {
			return items, nil // a page link to a deleted post: no changes rather than an error
		}
		upTo = prev.Published
	}
	var after time.Time
	if len(objs) == feedSize {
		after = objs[len(objs)-1].Published
	}
	events, err := u.Store.MemberEventsBetween(r.Context(), memberID, after, upTo, feedSize)
	if err != nil || len(events) == 0 {
		return items, err
	}
	merged := make([]feedItem, 0, len(items)+len(events))
	for _, it := range items {
		for len(events) > 0 && events[0].CreatedAt.After(it.Post.Published) {
			merged = append(merged, feedItem{Event: &events[0]})
			events = events[1:]
		}
		merged = append(merged, it)
	}
	for i := range events {
		merged = append(merged, feedItem{Event: &events[i]})
	}
	return merged, nil
}

// createPost publishes what the composer holds: a post, a reply or a group
// post. On a validation error the page it came from is shown again with the
// text kept.
func (u *UI) createPost(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	back := redirect.Local(r.PostFormValue("back"))
	nn := outbox.NewNote{Text: r.PostFormValue("text"), Visibility: r.PostFormValue("visibility")}
	if id := r.PostFormValue("in_reply_to"); id != "" {
		nn.InReplyToID, _ = strconv.ParseInt(id, 10, 64)
	}
	if id := r.PostFormValue("group_id"); id != "" {
		nn.GroupID, _ = strconv.ParseInt(id, 10, 64)
	}
	if strings.TrimSpace(nn.Text) == "" || utf8.RuneCountInString(nn.Text) > outbox.MaxNoteLength {
		u.composerError(w, r, back, "rule.text")
		return
	}
	obj, err := u.Outbox.CreateNote(r.Context(), s.Actor, nn)
	if err != nil {
		if _, ok := fieldErrors(langOf(r.Context()), err); ok {
			u.composerError(w, r, back, "rule.text")
			return
		}
		u.fail(w, r, err)
		return
	}
	if nn.InReplyToID != 0 {
		http.Redirect(w, r, "/posts/"+strconv.FormatInt(nn.InReplyToID, 10)+"?notice=replied#post-"+strconv.FormatInt(obj.ID, 10), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, addNotice(back, "posted"), http.StatusSeeOther)
}

// composerError shows the composer's problem on an error page that keeps
// the text, with a form to send it again.
func (u *UI) composerError(w http.ResponseWriter, r *http.Request, back, key string) {
	v := u.newView(r, "title.error", "")
	v.Form = r.PostForm
	v.Errors["text"] = v.T(key)
	v.Data = map[string]any{"Back": back}
	u.render(w, http.StatusUnprocessableEntity, "compose", v)
}

func addNotice(p, notice string) string {
	frag := ""
	if i := strings.Index(p, "#"); i >= 0 {
		p, frag = p[:i], p[i:]
	}
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	return p + sep + "notice=" + notice + frag
}

func (u *UI) postFromPath(r *http.Request) (*store.Object, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return nil, store.ErrNotFound
	}
	o, err := u.Store.ObjectByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if o.DeletedAt != nil || !u.canSee(r, o) {
		return nil, store.ErrNotFound
	}
	return o, nil
}

// canSee applies the node's one reading rule (store.CanSee) to the session.
func (u *UI) canSee(r *http.Request, o *store.Object) bool {
	var viewer int64
	if s := sessionOf(r); s != nil {
		viewer = s.Actor.ID
	}
	ok, err := u.Store.CanSee(r.Context(), o, viewer)
	return err == nil && ok
}

// threadData is a post with its parent and replies.
type threadData struct {
	Post    postView
	Parent  *postView
	Replies []postView
}

// thread shows a post, what it answers, its replies and a reply composer.
func (u *UI) thread(w http.ResponseWriter, r *http.Request) {
	o, err := u.postFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.thread", "home")
	if s := sessionOf(r); s != nil {
		v.Form = url.Values{}
		if o.Author != nil && o.AttributedTo != s.Actor.ID {
			// A reply names the author it answers, as Mastodon's composer
			// starts it (the server mentions them anyway).
			v.Form.Set("text", "@"+replyHandle(o.Author)+" ")
		}
		if o.Local && o.AttributedTo == s.Actor.ID {
			text, err := u.Store.NoteSource(r.Context(), o.ID)
			if err != nil {
				u.fail(w, r, err)
				return
			}
			if text == "" {
				text = htmlToText(o.Content) // a post from before sources were kept
			}
			v.Form.Set("edit_text", text)
		}
	}
	u.renderThread(w, r, o, v, http.StatusOK)
}

// replyHandle is how a reply names an author: @user here, @user@host for
// another node's.
func replyHandle(a *store.Actor) string {
	if a.Local {
		return a.Username
	}
	return a.Handle()
}

// editPost changes one's own post; a refused text comes back in the form.
func (u *UI) editPost(w http.ResponseWriter, r *http.Request) {
	o, err := u.postFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if _, err := u.Outbox.UpdateNote(r.Context(), sessionOf(r).Actor, o.ID, outbox.NoteEdit{Text: r.PostFormValue("edit_text")}); err != nil {
		if _, ok := fieldErrors(langOf(r.Context()), err); !ok {
			u.fail(w, r, err)
			return
		}
		v := u.newView(r, "title.thread", "home")
		v.Form = r.PostForm
		v.Errors["edit_text"] = v.T("rule.text")
		u.renderThread(w, r, o, v, http.StatusUnprocessableEntity)
		return
	}
	http.Redirect(w, r, "/posts/"+strconv.FormatInt(o.ID, 10)+"?notice=edited", http.StatusSeeOther)
}

// htmlToText recovers plain text from a post's HTML: paragraphs become
// blank lines, line breaks new lines, tags go.
func htmlToText(s string) string {
	s = strings.NewReplacer("</p><p>", "\n\n", "<br>", "\n", "<br/>", "\n", "<br />", "\n").Replace(s)
	return strings.TrimSpace(markup.Text(s))
}

func (u *UI) renderThread(w http.ResponseWriter, r *http.Request, o *store.Object, v *view, status int) {
	d := threadData{Post: u.postViews(r, []*store.Object{o})[0]}
	if o.InReplyTo != "" {
		if p, err := u.Store.ObjectByURI(r.Context(), o.InReplyTo); err == nil && p.DeletedAt == nil && u.canSee(r, p) {
			pv := u.postViews(r, []*store.Object{p})[0]
			d.Parent = &pv
		}
	}
	replies, err := u.Store.Replies(r.Context(), o.URI, 100)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	visible := replies[:0]
	for _, rep := range replies {
		if u.canSee(r, rep) {
			visible = append(visible, rep)
		}
	}
	d.Replies = u.postViews(r, visible)
	v.Data = d
	u.render(w, status, "thread", v)
}

// share boosts a public post to the reader's followers, or takes it back.
func (u *UI) share(on bool) http.HandlerFunc { return u.postToggle(u.Outbox.Share, on) }

func (u *UI) like(on bool) http.HandlerFunc { return u.postToggle(u.Outbox.Like, on) }

// postToggle runs a yes-or-no action of the reader on a post (like, share)
// and goes back to the page it came from.
func (u *UI) postToggle(act func(context.Context, *store.Actor, int64, bool) (*store.Object, error), on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, err := u.postFromPath(r)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if _, err := act(r.Context(), sessionOf(r).Actor, o.ID, on); err != nil {
			u.fail(w, r, err)
			return
		}
		http.Redirect(w, r, redirect.Local(r.PostFormValue("back"))+"#post-"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
	}
}

func (u *UI) deletePost(w http.ResponseWriter, r *http.Request) {
	o, err := u.postFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	s := sessionOf(r)
	if o.AttributedTo == s.Actor.ID {
		err = u.Outbox.DeleteNote(r.Context(), s.Actor, o.ID)
	} else {
		err = u.Outbox.DeleteInGroup(r.Context(), s.Account, o.ID)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	back := redirect.Local(r.PostFormValue("back"))
	if strings.HasPrefix(back, "/posts/"+chi.URLParam(r, "id")) {
		back = "/"
	}
	http.Redirect(w, r, addNotice(back, "deleted"), http.StatusSeeOther)
}
