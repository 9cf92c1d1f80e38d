package client

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

func (api *API) apiVerifyCredentials(w http.ResponseWriter, r *http.Request) {
	acct := auth.Account(r)
	a, err := api.Store.ActorByID(r.Context(), acct.ActorID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.credentialAccountEntity(r.Context(), a, acct))
}

// profileInput is update_credentials in Mastodon's names plus ours.
type profileInput struct {
	DisplayName  *string   `json:"display_name"`
	Note         *string   `json:"note"`
	Locked       *bool     `json:"locked"`
	Organisation *string   `json:"organisation"`
	Unit         *string   `json:"unit"`
	JobTitle     *string   `json:"job_title"`
	Skills       *[]string `json:"skills"`
	// Mastodon's preferences, in JSON (source.privacy) or as form fields
	// (source[privacy]).
	Source          *sourceInput `json:"source"`
	SourcePrivacy   *string      `json:"source[privacy]"`
	SourceSensitive *bool        `json:"source[sensitive]"`
	SourceLanguage  *string      `json:"source[language]"`
	Discoverable    *bool        `json:"discoverable"`
	HideCollections *bool        `json:"hide_collections"`
	Indexable       *bool        `json:"indexable"`
}

type sourceInput struct {
	Privacy   *string `json:"privacy"`
	Sensitive *bool   `json:"sensitive"`
	Language  *string `json:"language"`
}

// preferencesFrom applies update_credentials' preferences to the current
// ones.
func (in profileInput) preferencesFrom(p store.Preferences) (store.Preferences, bool, error) {
	src := sourceInput{Privacy: in.SourcePrivacy, Sensitive: in.SourceSensitive, Language: in.SourceLanguage}
	if in.Source != nil {
		src = *in.Source
	}
	changed := false
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst, changed = *v, true
		}
	}
	if src.Privacy != nil {
		switch *src.Privacy {
		case store.ObjPublic, store.ObjUnlisted, store.ObjPrivate, store.ObjDirect:
			p.DefaultVisibility, changed = *src.Privacy, true
		default:
			return p, false, respond.InvalidField("source[privacy]", "one of public, unlisted, private, direct")
		}
	}
	if src.Language != nil {
		lang := strings.ToLower(strings.TrimSpace(*src.Language))
		if lang != "" && !languageCode(lang) {
			return p, false, respond.InvalidField("source[language]", "an ISO 639 code such as fr or en")
		}
		p.DefaultLanguage, changed = lang, true
	}
	set(&p.DefaultSensitive, src.Sensitive)
	set(&p.Discoverable, in.Discoverable)
	set(&p.HideCollections, in.HideCollections)
	set(&p.Indexable, in.Indexable)
	return p, changed, nil
}

// languageCode tells whether s is two or three lower-case letters (ISO 639).
func languageCode(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// apiUpdateCredentials is Mastodon's PATCH update_credentials: JSON or a
// form, or a multipart form that may carry an avatar and a header.
func (api *API) apiUpdateCredentials(w http.ResponseWriter, r *http.Request) {
	var in profileInput
	var images map[string][]byte
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		var fields url.Values
		var err error
		if images, fields, err = api.pictureForm(w, r, store.MediaAvatar, store.MediaHeader); err == nil {
			err = respond.DecodeForm(fields, &in)
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
	} else if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	// The pictures are checked before anything changes.
	made, err := api.Outbox.ProfileImages(images)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	p := accounts.Profile{DisplayName: in.DisplayName, Bio: in.Note, Organisation: in.Organisation,
		UnitName: in.Unit, JobTitle: in.JobTitle, ManuallyApprovesFollowers: in.Locked}
	if in.Skills != nil {
		p.Skills, p.SkillsSet = *in.Skills, true
	}
	prefs, err := api.Store.PreferencesFor(r.Context(), auth.Account(r).ActorID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	prefs, changed, err := in.preferencesFrom(prefs)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	a, err := api.Accounts.UpdateProfile(r.Context(), auth.Account(r).ActorID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if err := api.Outbox.SetProfileImages(r.Context(), a, made); err != nil {
		respond.Fail(w, err)
		return
	}
	if changed {
		if err := api.Store.SetPreferences(r.Context(), a.ID, prefs); err != nil {
			respond.Fail(w, err)
			return
		}
	}
	if err := api.Outbox.UpdateProfile(r.Context(), a); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.credentialAccountEntity(r.Context(), a, auth.Account(r)))
}

// apiLookupAccount finds user@host (or a local user) among known actors.
func (api *API) apiLookupAccount(w http.ResponseWriter, r *http.Request) {
	acct := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("acct")), "@")
	if acct == "" {
		respond.Error(w, http.StatusBadRequest, "acct parameter required")
		return
	}
	name, host, remote := strings.Cut(acct, "@")
	var a *store.Actor
	var err error
	if !remote || strings.EqualFold(host, api.Links.Host()) {
		a, err = api.Store.LocalActorByUsername(r.Context(), name)
	} else if a, err = api.Store.ActorByHandle(r.Context(), name, strings.ToLower(host)); errors.Is(err, store.ErrNotFound) && api.Federator != nil && auth.Account(r) != nil {
		// Unknown here: ask its node (WebFinger), as following by handle
		// needs; only for a signed-in reader, or anyone could make this node
		// fetch from any host.
		if a, err = api.Federator.ResolveHandle(r.Context(), acct); err != nil {
			remoteError(w, err)
			return
		}
	}
	if err == nil && ((a.Type != store.TypePerson && a.Type != store.TypeGroup) || !api.knows(r, a)) {
		// A group shows as an account with group: true, as Mastodon shows
		// Lemmy's and Friendica's.
		err = store.ErrNotFound
	}
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.accountEntity(r.Context(), a))
}

func (api *API) accountFromPath(w http.ResponseWriter, r *http.Request) (*store.Actor, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such account")
		return nil, false
	}
	a, err := api.Store.ActorByID(r.Context(), id)
	if err == nil && (a.Type != store.TypePerson || a.DeletedAt != nil) {
		// A remote account that deleted itself is gone, as on Mastodon,
		// which drops the account of a Delete{Person}.
		err = store.ErrNotFound
	}
	if err != nil {
		if err == store.ErrNotFound {
			respond.Error(w, http.StatusNotFound, "no such account")
		} else {
			respond.Fail(w, err)
		}
		return nil, false
	}
	return a, true
}

// anyActorFromPath loads a person or a group by API id.
func (api *API) anyActorFromPath(w http.ResponseWriter, r *http.Request) (*store.Actor, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such account")
		return nil, false
	}
	a, err := api.Store.ActorByID(r.Context(), id)
	if err == nil && ((a.Type != store.TypePerson && a.Type != store.TypeGroup) || !api.knows(r, a) || a.DeletedAt != nil) {
		err = store.ErrNotFound
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			respond.Error(w, http.StatusNotFound, "no such account")
		} else {
			respond.Fail(w, err)
		}
		return nil, false
	}
	return a, true
}

func (api *API) apiAccount(w http.ResponseWriter, r *http.Request) {
	if a, ok := api.anyActorFromPath(w, r); ok {
		respond.JSON(w, http.StatusOK, api.accountEntity(r.Context(), a))
	}
}

// apiAccountStatuses is /accounts/:id/statuses: the account's posts and
// shares the caller may read, with Mastodon's pinned, only_media,
// exclude_replies, exclude_reblogs and tagged.
func (api *API) apiAccountStatuses(w http.ResponseWriter, r *http.Request) {
	a, ok := api.anyActorFromPath(w, r)
	if !ok {
		return
	}
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	if a.Type == store.TypeGroup {
		// A group's statuses are its timeline, for those who may read it.
		api.apiGroupTimeline(w, r)
		return
	}
	f := store.AccountStatusFilter{AuthorID: a.ID, ViewerID: viewerID(r), Pinned: boolParam(r, "pinned"),
		OnlyMedia: boolParam(r, "only_media"), ExcludeReplies: boolParam(r, "exclude_replies"),
		ExcludeReblogs: boolParam(r, "exclude_reblogs"), Tagged: r.URL.Query().Get("tagged")}
	if f.Tagged != "" && !store.ValidTag(store.NormaliseTag(f.Tagged)) {
		respond.Fail(w, respond.InvalidField("tagged", "not a hashtag"))
		return
	}
	objs, err := api.Store.AccountStatuses(r.Context(), f, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeStatusPage(w, r, objs)
}

// apiAccountFollows is /accounts/:id/followers and /following, paged on
// account ids. Someone who hides their collections shows an empty list to
// everyone but themselves, as Mastodon does.
func (api *API) apiAccountFollows(followers bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := api.anyActorFromPath(w, r)
		if !ok {
			return
		}
		p, ok := pageFrom(w, r)
		if !ok {
			return
		}
		prefs, err := api.Store.PreferencesFor(r.Context(), a.ID)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		viewer := viewerID(r)
		if prefs.HideCollections && viewer != a.ID {
			respond.JSON(w, http.StatusOK, []accountJSON{})
			return
		}
		var actors []*store.Actor
		if followers {
			actors, err = api.Store.FollowersPage(r.Context(), a.ID, p)
		} else {
			actors, err = api.Store.FollowingPage(r.Context(), a.ID, p)
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
		api.writeAccountPage(w, r, actors)
	}
}

// writeAccountPage answers with a page of accounts paged on their ids,
// less those the caller's blocks hide, with Mastodon's Link header (set
// from the whole page, so that paging goes on past hidden ones).
func (api *API) writeAccountPage(w http.ResponseWriter, r *http.Request, actors []*store.Actor) {
	if len(actors) > 0 {
		api.setLinks(w, r, actors[0].ID, actors[len(actors)-1].ID)
	}
	respond.JSON(w, http.StatusOK, api.accountList(r, api.withoutHidden(r, actors)))
}

// withoutHidden leaves out the actors the caller's blocks and domain
// blocks hide (store.HiddenFrom).
func (api *API) withoutHidden(r *http.Request, actors []*store.Actor) []*store.Actor {
	viewer := viewerID(r)
	if viewer == 0 || len(actors) == 0 {
		return actors
	}
	ids := make([]int64, 0, len(actors))
	for _, a := range actors {
		ids = append(ids, a.ID)
	}
	hidden, err := api.Store.HiddenFrom(r.Context(), viewer, store.HideContent, ids)
	if err != nil || len(hidden) == 0 {
		return actors
	}
	out := actors[:0:0]
	for _, a := range actors {
		if !hidden[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

// maxAccountSearchLimit is the largest page of /accounts/search, as
// Mastodon's.
const maxAccountSearchLimit = 80

// apiAccountSearch is GET /api/v1/accounts/search, what apps ask to
// complete a mention: q (a name or user@host), limit, offset, resolve
// (ask the account's node, signed in only) and following (only those the
// caller follows).
func (api *API) apiAccountSearch(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := strings.TrimSpace(v.Get("q"))
	if q == "" {
		respond.Fail(w, respond.InvalidField("q", "required"))
		return
	}
	if utf8.RuneCountInString(q) > maxSearchQuery {
		respond.Fail(w, respond.InvalidField("q", "at most "+strconv.Itoa(maxSearchQuery)+" characters"))
		return
	}
	offset, limit, ok := offsetFrom(w, r, 40)
	if !ok {
		return
	}
	limit = min(limit, maxAccountSearchLimit)
	following := boolParam(r, "following")
	if following && auth.Account(r) == nil {
		respond.Error(w, http.StatusUnauthorized, "following needs a signed-in caller")
		return
	}
	s := searchQuery{q: q, typ: "accounts", resolve: boolParam(r, "resolve"), limit: limit, offset: offset}
	if following {
		// Among those followed: take a larger slice and keep them.
		s.limit, s.offset = maxAccountSearchLimit, 0
	}
	found, err := api.searchAccounts(r, s)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if following && len(found) > 0 {
		me, ok := api.meOrFail(w, r)
		if !ok {
			return
		}
		ids := make([]int64, 0, len(found))
		for _, a := range found {
			id, _ := strconv.ParseInt(a.ID, 10, 64)
			ids = append(ids, id)
		}
		rels, err := api.Store.Relationships(r.Context(), me.ID, ids)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		kept := found[:0]
		for i, a := range found {
			if rels[ids[i]].Following {
				kept = append(kept, a)
			}
		}
		found = kept[min(offset, len(kept)):min(offset+limit, len(kept))]
	}
	api.setOffsetLinks(w, r, offset, limit, len(found))
	respond.JSON(w, http.StatusOK, found)
}
