package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/redirect"
)

type groupsData struct {
	Mine      []*store.Group
	Invited   []*store.Group
	Requested []*store.Group
	Public    []*store.Group
}

// groups lists my groups, my invitations and requests, and the groups I can see.
func (u *UI) groups(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := groupsData{}
	f := store.GroupFilter{Limit: 80}
	var err error
	if s := sessionOf(r); s != nil {
		f.ViewerID = s.Actor.ID
		mine := f
		mine.MemberOnly = true
		if d.Mine, err = u.Store.Groups(ctx, mine); err != nil {
			u.fail(w, r, err)
			return
		}
		mine.State = store.StateInvited
		d.Invited, _ = u.Store.Groups(ctx, mine)
		mine.State = store.StatePending
		d.Requested, _ = u.Store.Groups(ctx, mine)
	}
	all, err := u.Store.Groups(ctx, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	seen := map[int64]bool{}
	for _, list := range [][]*store.Group{d.Mine, d.Invited, d.Requested} {
		for _, g := range list {
			seen[g.ID] = true
		}
	}
	for _, g := range all {
		if !seen[g.ID] && g.Visibility == store.VisibilityPublic {
			d.Public = append(d.Public, g)
		}
	}
	v := u.newView(r, "title.groups", "groups")
	v.Data = d
	u.render(w, http.StatusOK, "groups", v)
}

func (u *UI) newGroupForm(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.new_group", "groups")
	v.Form = map[string][]string{"visibility": {store.VisibilityPublic}, "join_policy": {store.JoinOpen}}
	u.render(w, http.StatusOK, "new_group", v)
}

func (u *UI) createGroup(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	g, err := u.Outbox.CreateGroup(r.Context(), sessionOf(r).Account, outbox.NewGroup{Name: f.Get("name"),
		Username: strings.TrimSpace(f.Get("username")), Description: f.Get("description"),
		Visibility: f.Get("visibility"), JoinPolicy: f.Get("join_policy"), StateOnly: f.Get("state_only") == "on"})
	if err != nil {
		v := u.newView(r, "title.new_group", "groups")
		v.Form = f
		u.refuseForm(w, r, v, "new_group", err)
		return
	}
	http.Redirect(w, r, groupURL(g.Actor)+"?notice=group_created", http.StatusSeeOther)
}

// groupView is a group as its pages show it to the reader.
type groupView struct {
	*store.Group
	Membership *store.Membership
	Members    int64
	CanPost    bool
	CanRead    bool
	CanManage  bool
	Tab        string
	Feed       feed
	List       []*store.Membership
	Pending    []*store.Membership
	Invited    []*store.Membership
	Log        []store.GroupEvent
	// Welcome is the group's welcome message, on its page for new members
	// and on the manage page for its animators.
	Welcome string
	// Dashboard is the animators' view of the group (manage page only).
	Dashboard *outbox.Dashboard
}

// IsMember tells whether the reader is an accepted member.
func (g *groupView) IsMember() bool {
	return g.Membership != nil && g.Membership.State == store.StateAccepted
}

// State is the reader's membership state, "" when none.
func (g *groupView) State() string {
	if g.Membership == nil {
		return ""
	}
	return g.Membership.State
}

// loadGroup finds the group of the path as the reader may see it: a secret
// group is not found unless the reader is a member or invited.
func (u *UI) loadGroup(r *http.Request, g *store.Group) (*groupView, error) {
	gv := &groupView{Group: g}
	s := sessionOf(r)
	if s != nil {
		if m, err := u.Store.MembershipOf(r.Context(), g.ID, s.Actor.ID); err == nil {
			gv.Membership = m
		}
	}
	st := gv.State()
	if g.Visibility == store.VisibilitySecret && st != store.StateAccepted && st != store.StateInvited {
		return nil, store.ErrNotFound
	}
	gv.Members, _ = u.Store.CountMembers(r.Context(), g.ID)
	gv.CanRead = g.Visibility == store.VisibilityPublic || gv.IsMember()
	gv.CanPost = gv.IsMember()
	if s != nil {
		gv.CanManage, _ = u.Outbox.CanModerate(r.Context(), s.Account, g)
	}
	return gv, nil
}

func (u *UI) groupByHandle(r *http.Request) (*groupView, error) {
	a, err := u.actorByHandle(r, chi.URLParam(r, "handle"))
	if err == nil && a.Type != store.TypeGroup {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	g, err := u.Store.GroupOf(r.Context(), a)
	if err != nil {
		return nil, err
	}
	return u.loadGroup(r, g)
}

// groupByID finds the group of an action: by the handle in the path, or by
// the group_id field of a form (the invite cards).
func (u *UI) groupByID(r *http.Request) (*groupView, error) {
	if chi.URLParam(r, "handle") != "" {
		return u.groupByHandle(r)
	}
	id, err := strconv.ParseInt(r.PostFormValue("group_id"), 10, 64)
	if err != nil {
		return nil, store.ErrNotFound
	}
	g, err := u.Store.GroupByActorID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return u.loadGroup(r, g)
}

// groupPage is a group's feed with its composer.
func (u *UI) groupPage(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	gv.Tab = "posts"
	if gv.IsMember() {
		if gv.Welcome, err = u.welcomeFor(r, gv); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	if gv.CanRead {
		objs, err := u.Store.GroupTimeline(r.Context(), gv.ID, pageOf(r))
		if err != nil {
			u.fail(w, r, err)
			return
		}
		gv.Feed = u.feedOf(r, objs)
	}
	v := u.newView(r, "title.group", "groups")
	v.Data = gv
	v.ActorURI = gv.URI
	u.render(w, http.StatusOK, "group", v)
}

func (u *UI) groupMembers(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	gv.Tab = "members"
	if gv.CanRead {
		if gv.List, err = u.Store.Members(r.Context(), gv.ID, store.StateAccepted, 0, 200); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	v := u.newView(r, "title.group_members", "groups")
	v.Data = gv
	u.render(w, http.StatusOK, "group_members", v)
}

// manageGroup is the animators' page: requests, invitations, members and
// their roles, the log.
func (u *UI) manageGroup(w http.ResponseWriter, r *http.Request) {
	gv, ok := u.managedGroup(w, r)
	if !ok {
		return
	}
	u.renderManage(w, r, gv, http.StatusOK, r.URL.Query(), nil)
}

// managedGroup loads the group of the path for one who runs it (an error
// page for others).
func (u *UI) managedGroup(w http.ResponseWriter, r *http.Request) (*groupView, bool) {
	gv, err := u.groupByHandle(r)
	if err == nil && !gv.CanManage {
		err = outbox.ErrForbidden
	}
	if err != nil {
		u.fail(w, r, err)
		return nil, false
	}
	return gv, true
}

// welcomeFor is the welcome message a member sees: the group's, during
// their first days in it.
func (u *UI) welcomeFor(r *http.Request, gv *groupView) (string, error) {
	if fresh, err := u.Store.NewMember(r.Context(), gv.ID, gv.Membership.MemberID); err != nil || !fresh {
		return "", err
	}
	w, err := u.Store.GroupWelcome(r.Context(), gv.ID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	return w.Body, nil
}

// renderManage draws the manage page, with the form values and errors of a
// refused form.
func (u *UI) renderManage(w http.ResponseWriter, r *http.Request, gv *groupView, status int, form map[string][]string, refused error) {
	var err error
	gv.Tab = "manage"
	ctx := r.Context()
	if gv.Dashboard, err = u.Outbox.GroupDashboard(ctx, sessionOf(r).Account, gv.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	gv.Welcome = gv.Dashboard.Welcome
	if gv.Pending, err = u.Store.Members(ctx, gv.ID, store.StatePending, 0, 200); err == nil {
		if gv.Invited, err = u.Store.Members(ctx, gv.ID, store.StateInvited, 0, 200); err == nil {
			if gv.List, err = u.Store.Members(ctx, gv.ID, store.StateAccepted, 0, 200); err == nil {
				gv.Log, err = u.Store.GroupLog(ctx, gv.ID, 50)
			}
		}
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.group_manage", "groups")
	v.Form = form
	if _, ok := form["welcome"]; !ok {
		v.Form = mergeForm(form, "welcome", gv.Welcome)
	}
	v.Data = gv
	if msg := r.URL.Query().Get("invite_error"); msg != "" && v.Has("err."+msg) {
		v.Errors["handle"] = v.T("err." + msg)
	}
	if refused != nil {
		u.refuseForm(w, r, v, "group_manage", refused)
		return
	}
	u.render(w, status, "group_manage", v)
}

func mergeForm(form map[string][]string, key, value string) map[string][]string {
	out := make(map[string][]string, len(form)+1)
	for k, v := range form {
		out[k] = v
	}
	out[key] = []string{value}
	return out
}

// setWelcome saves the welcome message of the manage page's form.
func (u *UI) setWelcome(w http.ResponseWriter, r *http.Request) {
	u.animatorForm(w, r, func(gv *groupView) (string, error) {
		return "welcome_saved", u.Outbox.SetWelcome(r.Context(), sessionOf(r).Account, gv.ID, r.PostFormValue("welcome"))
	})
}

// announce sends the announcement of the manage page's form.
func (u *UI) announce(w http.ResponseWriter, r *http.Request) {
	u.animatorForm(w, r, func(gv *groupView) (string, error) {
		_, err := u.Outbox.Announce(r.Context(), sessionOf(r).Account, gv.ID, r.PostFormValue("text"))
		return "announcement_sent", err
	})
}

// animatorForm runs one of the manage page's forms: back to the page with a
// notice, or the page again with the form's errors.
func (u *UI) animatorForm(w http.ResponseWriter, r *http.Request, act func(*groupView) (string, error)) {
	gv, ok := u.managedGroup(w, r)
	if !ok {
		return
	}
	notice, err := act(gv)
	if err != nil {
		u.renderManage(w, r, gv, http.StatusUnprocessableEntity, r.PostForm, err)
		return
	}
	http.Redirect(w, r, groupURL(gv.Actor)+"/manage?notice="+notice, http.StatusSeeOther)
}

func (u *UI) join(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByID(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	m, err := u.Outbox.Join(r.Context(), sessionOf(r).Actor, gv.Actor)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	notice := "joined"
	switch {
	case m.State == store.StatePending && !gv.Local:
		notice = "join_sent"
	case m.State == store.StatePending:
		notice = "join_requested"
	}
	http.Redirect(w, r, groupURL(gv.Actor)+"?notice="+notice, http.StatusSeeOther)
}

func (u *UI) leave(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByID(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	declined := gv.State() == store.StateInvited
	if err := u.Outbox.Leave(r.Context(), sessionOf(r).Actor, gv.Actor); err != nil {
		u.fail(w, r, err)
		return
	}
	if declined {
		http.Redirect(w, r, "/groups?notice=declined", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, groupURL(gv.Actor)+"?notice=left", http.StatusSeeOther)
}

// invite asks a person, by handle or by id (from a directory card), to join.
func (u *UI) invite(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByID(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	var who *store.Actor
	if id, perr := strconv.ParseInt(r.PostFormValue("account_id"), 10, 64); perr == nil {
		who, err = u.Store.ActorByID(r.Context(), id)
	} else {
		who, err = u.resolve(r, strings.TrimSpace(r.PostFormValue("handle")))
	}
	if err != nil {
		if r.PostFormValue("account_id") == "" {
			http.Redirect(w, r, groupURL(gv.Actor)+"/manage?invite_error=not_a_handle&handle="+urlQueryEscape(r.PostFormValue("handle"))+"#invite", http.StatusSeeOther)
			return
		}
		u.fail(w, r, err)
		return
	}
	if _, err := u.Outbox.Invite(r.Context(), sessionOf(r).Account, gv.ID, who); err != nil {
		u.fail(w, r, err)
		return
	}
	back := r.PostFormValue("back")
	if back == "" {
		back = groupURL(gv.Actor) + "/manage"
	}
	http.Redirect(w, r, addNotice(redirect.Local(back), "invited"), http.StatusSeeOther)
}

// memberAction runs an animator's action: approve, reject, remove, role.
func (u *UI) memberAction(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByID(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	memberID, perr := strconv.ParseInt(chi.URLParam(r, "member"), 10, 64)
	if perr != nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	acct := sessionOf(r).Account
	ctx := r.Context()
	action := chi.URLParam(r, "action")
	switch action {
	case "approve":
		err = u.Outbox.Approve(ctx, acct, gv.ID, memberID, true)
	case "reject":
		err = u.Outbox.Approve(ctx, acct, gv.ID, memberID, false)
	case "remove":
		err = u.Outbox.Remove(ctx, acct, gv.ID, memberID)
	case "role":
		err = u.Outbox.SetRole(ctx, acct, gv.ID, memberID, r.PostFormValue("role"))
	default:
		err = store.ErrNotFound
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	back := r.PostFormValue("back")
	if back == "" {
		back = groupURL(gv.Actor) + "/manage"
	}
	http.Redirect(w, r, addNotice(redirect.Local(back), "member_"+action), http.StatusSeeOther)
}

var _ = errors.New
