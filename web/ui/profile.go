package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/redirect"
)

// actorURL is a person's or group's page here, whichever node it lives on:
// /@name for ours, /@name@host for others (groups under /g/).
func actorURL(a *store.Actor) string {
	if a == nil {
		return "/"
	}
	if a.Type == store.TypeGroup {
		return groupURL(a)
	}
	if a.Local {
		return "/@" + a.Username
	}
	return "/@" + a.Username + "@" + a.Host
}

func groupURL(a *store.Actor) string {
	if a.Local {
		return "/g/" + a.Username
	}
	return "/g/" + a.Username + "@" + a.Host
}

func initial(a *store.Actor) string {
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	for _, r := range strings.ToUpper(name) {
		return string(r)
	}
	return "?"
}

// actorByHandle finds the actor of a page's path: name (ours) or name@host.
// An unknown remote one is looked up on its node for signed-in readers.
func (u *UI) actorByHandle(r *http.Request, handle string) (*store.Actor, error) {
	handle = strings.TrimPrefix(handle, "@")
	name, host, remote := strings.Cut(handle, "@")
	var a *store.Actor
	var err error
	if !remote || strings.EqualFold(host, u.Links.Host()) {
		a, err = u.Store.LocalActorByUsername(r.Context(), name)
	} else if a, err = u.Store.ActorByHandle(r.Context(), name, strings.ToLower(host)); errors.Is(err, store.ErrNotFound) && sessionOf(r) != nil && u.Federator != nil {
		a, err = u.Federator.ResolveHandle(r.Context(), handle)
	}
	return u.known(r, a, err)
}

// known hides from the reader an actor it may not know of (a secret group
// it is not in, store.KnowsActor): not found, as if it did not exist.
func (u *UI) known(r *http.Request, a *store.Actor, err error) (*store.Actor, error) {
	if err != nil {
		return nil, err
	}
	var viewer int64
	if s := sessionOf(r); s != nil {
		viewer = s.Actor.ID
	}
	if ok, err := u.Store.KnowsActor(r.Context(), a, viewer); err != nil {
		return nil, err
	} else if !ok {
		return nil, store.ErrNotFound
	}
	return a, nil
}

// relation is the reader's link to a person.
type relation struct {
	Self       bool
	Following  bool
	Requested  bool
	FollowedBy bool
}

type profileData struct {
	Actor     *store.Actor
	Rel       relation
	Followers int64
	Following int64
	Feed      feed
	// Groups the reader runs, to invite the person into.
	InviteTo []*store.Group
}

func (u *UI) profile(w http.ResponseWriter, r *http.Request) {
	a, err := u.actorByHandle(r, chi.URLParam(r, "handle"))
	if err == nil && a.Type != store.TypePerson {
		err = store.ErrNotFound
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := profileData{Actor: a}
	d.Followers, d.Following, _ = u.Store.CountFollows(r.Context(), a.ID)
	if s := sessionOf(r); s != nil {
		d.Rel = u.relation(r, s.Actor, a)
		if !d.Rel.Self {
			d.InviteTo = u.groupsIRun(r, s)
		}
	}
	objs, err := u.Store.AuthorObjects(r.Context(), a.ID, pageOf(r))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Feed = u.feedOf(r, objs)
	v := u.newView(r, "title.profile", "")
	if d.Rel.Self {
		v.Nav = "me"
	}
	v.Data = d
	v.ActorURI = a.URI
	u.render(w, http.StatusOK, "profile", v)
}

func (u *UI) relation(r *http.Request, me, other *store.Actor) relation {
	rel := relation{Self: me.ID == other.ID}
	if f, err := u.Store.FollowOf(r.Context(), me.ID, other.ID); err == nil {
		rel.Following = f.State == store.FollowAccepted
		rel.Requested = f.State == store.FollowPending
	}
	if f, err := u.Store.FollowOf(r.Context(), other.ID, me.ID); err == nil {
		rel.FollowedBy = f.State == store.FollowAccepted
	}
	return rel
}

// groupsIRun lists the local groups the reader may invite into.
func (u *UI) groupsIRun(r *http.Request, s *session) []*store.Group {
	mine, err := u.Store.Groups(r.Context(), store.GroupFilter{ViewerID: s.Actor.ID, MemberOnly: true, LocalOnly: true, Limit: 80})
	if err != nil {
		return nil
	}
	var out []*store.Group
	for _, g := range mine {
		if ok, _ := u.Outbox.CanModerate(r.Context(), s.Account, g); ok {
			out = append(out, g)
		}
	}
	return out
}

func (u *UI) actorFromID(r *http.Request) (*store.Actor, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return nil, store.ErrNotFound
	}
	a, err := u.Store.ActorByID(r.Context(), id)
	if err == nil && a.Type != store.TypePerson && a.Type != store.TypeGroup {
		err = store.ErrNotFound
	}
	return u.known(r, a, err)
}

func (u *UI) follow(follow bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		target, err := u.actorFromID(r)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		me := sessionOf(r).Actor
		notice := "unfollowed"
		if follow {
			var f *store.Follow
			f, err = u.Outbox.Follow(r.Context(), me, target)
			notice = "followed"
			if err == nil && f.State == store.FollowPending {
				notice = "follow_requested"
			}
		} else {
			err = u.Outbox.Unfollow(r.Context(), me, target)
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		back := r.PostFormValue("back")
		if back == "" {
			back = actorURL(target)
		}
		http.Redirect(w, r, addNotice(redirect.Local(back), notice), http.StatusSeeOther)
	}
}

// answerFollow accepts or refuses a follow request.
func (u *UI) answerFollow(w http.ResponseWriter, r *http.Request) {
	follower, err := u.actorFromID(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	me := sessionOf(r).Actor
	if f, err := u.Store.FollowOf(r.Context(), follower.ID, me.ID); err != nil || f.State != store.FollowPending {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	accept := r.PostFormValue("answer") == "accept"
	if err := u.Outbox.AnswerFollow(r.Context(), me, follower, accept); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications?notice=answered", http.StatusSeeOther)
}

func (u *UI) editProfileForm(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.edit_profile", "me")
	a := v.Me
	v.Form = map[string][]string{"display_name": {a.DisplayName}, "organisation": {a.Organisation},
		"unit": {a.UnitName}, "job_title": {a.JobTitle}, "bio": {a.Summary}}
	if a.ManuallyApprovesFollowers {
		v.Form.Set("locked", "on")
	}
	suggested, err := u.Outbox.SkillSuggestions(r.Context(), sessionOf(r).Account)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(suggested) > 0 {
		v.Data = suggested
	}
	u.render(w, http.StatusOK, "edit_profile", v)
}

// answerSkill accepts or dismisses one of the suggested skills.
func (u *UI) answerSkill(w http.ResponseWriter, r *http.Request) {
	acct, skill := sessionOf(r).Account, r.PostFormValue("skill")
	var err error
	notice := "skill_added"
	if chi.URLParam(r, "answer") == "accept" {
		err = u.Outbox.AcceptSkill(r.Context(), acct, skill)
	} else {
		notice = "skill_dismissed"
		err = u.Outbox.DismissSkill(r.Context(), acct, skill)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/profile?notice="+notice+"#skills", http.StatusSeeOther)
}

// editProfile writes the profile and tells the followers' nodes.
func (u *UI) editProfile(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	get := func(k string) *string { s := f.Get(k); return &s }
	locked := f.Get("locked") == "on"
	p := accounts.Profile{DisplayName: get("display_name"), Organisation: get("organisation"), UnitName: get("unit"),
		JobTitle: get("job_title"), Bio: get("bio"), ManuallyApprovesFollowers: &locked}
	if err := u.saveProfile(r, p); err != nil {
		v := u.newView(r, "title.edit_profile", "me")
		v.Form = f
		u.refuseForm(w, r, v, "edit_profile", err)
		return
	}
	http.Redirect(w, r, "/settings/profile?notice=profile_saved", http.StatusSeeOther)
}

func (u *UI) saveProfile(r *http.Request, p accounts.Profile) error {
	a, err := u.Accounts.UpdateProfile(r.Context(), sessionOf(r).Actor.ID, p)
	if err != nil {
		return err
	}
	return u.Outbox.UpdateProfile(r.Context(), a)
}

func (u *UI) addSkill(w http.ResponseWriter, r *http.Request) {
	me := sessionOf(r).Actor
	skill := strings.TrimSpace(r.PostFormValue("skill"))
	skills := append(append([]string{}, me.Skills...), skill)
	if skill == "" {
		skills = nil
	}
	var err error
	if skills == nil {
		err = &accounts.FieldError{Field: "skill", Message: "required"}
	} else {
		err = u.saveProfile(r, accounts.Profile{Skills: skills, SkillsSet: true})
	}
	if err != nil {
		v := u.newView(r, "title.edit_profile", "me")
		a := v.Me
		v.Form = map[string][]string{"display_name": {a.DisplayName}, "organisation": {a.Organisation},
			"unit": {a.UnitName}, "job_title": {a.JobTitle}, "bio": {a.Summary}, "skill": {skill}}
		errs, ok := fieldErrors(v.Lang, err)
		if !ok {
			u.fail(w, r, err)
			return
		}
		if msg, ok := errs["skills"]; ok {
			errs = map[string]string{"skill": msg}
		}
		v.Errors = errs
		u.render(w, http.StatusUnprocessableEntity, "edit_profile", v)
		return
	}
	http.Redirect(w, r, "/settings/profile?notice=skill_added#skills", http.StatusSeeOther)
}

func (u *UI) removeSkill(w http.ResponseWriter, r *http.Request) {
	me := sessionOf(r).Actor
	drop := r.PostFormValue("skill")
	skills := []string{}
	for _, s := range me.Skills {
		if s != drop {
			skills = append(skills, s)
		}
	}
	if err := u.saveProfile(r, accounts.Profile{Skills: skills, SkillsSet: true}); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/profile?notice=skill_removed#skills", http.StatusSeeOther)
}
