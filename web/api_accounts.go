package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
)

func (s *Server) apiInstance(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"uri": s.Links.Host(), "title": s.Links.Host(), "version": "4.0.0 (compatible; Archipel " + Version + ")",
		"description": "Archipel node", "registrations": false, "languages": []string{"fr", "en"},
	})
}

func (s *Server) apiVerifyCredentials(w http.ResponseWriter, r *http.Request) {
	acct := currentAccount(r)
	a, err := s.Store.ActorByID(r.Context(), acct.ActorID)
	if err != nil {
		writeError(w, err)
		return
	}
	e := s.accountEntity(r.Context(), a)
	writeJSON(w, http.StatusOK, struct {
		accountJSON
		Role  string `json:"role"`
		Email string `json:"email"`
	}{e, acct.Role, acct.Email})
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
}

func (s *Server) apiUpdateCredentials(w http.ResponseWriter, r *http.Request) {
	var in profileInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	p := accounts.Profile{DisplayName: in.DisplayName, Bio: in.Note, Organisation: in.Organisation,
		UnitName: in.Unit, JobTitle: in.JobTitle, ManuallyApprovesFollowers: in.Locked}
	if in.Skills != nil {
		p.Skills, p.SkillsSet = *in.Skills, true
	}
	a, err := s.Accounts.UpdateProfile(r.Context(), currentAccount(r).ActorID, p)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.Outbox.UpdateProfile(r.Context(), a); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.accountEntity(r.Context(), a))
}

// apiLookupAccount finds user@host (or a local user) among known actors.
func (s *Server) apiLookupAccount(w http.ResponseWriter, r *http.Request) {
	acct := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("acct")), "@")
	if acct == "" {
		apiError(w, http.StatusBadRequest, "acct parameter required")
		return
	}
	name, host, remote := strings.Cut(acct, "@")
	var a *store.Actor
	var err error
	if !remote || strings.EqualFold(host, s.Links.Host()) {
		a, err = s.Store.LocalActorByUsername(r.Context(), name)
	} else if a, err = s.Store.ActorByHandle(r.Context(), name, strings.ToLower(host)); errors.Is(err, store.ErrNotFound) && s.Federator != nil && currentAccount(r) != nil {
		// Unknown here: ask its node (WebFinger), as following by handle
		// needs; only for a signed-in reader, or anyone could make this node
		// fetch from any host.
		if a, err = s.Federator.ResolveHandle(r.Context(), acct); err != nil {
			remoteError(w, err)
			return
		}
	}
	if err == nil && a.Type != store.TypePerson {
		err = store.ErrNotFound
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.accountEntity(r.Context(), a))
}

func (s *Server) accountFromPath(w http.ResponseWriter, r *http.Request) (*store.Actor, bool) {
	id, ok := parseID(chi.URLParam(r, "id"))
	if !ok {
		apiError(w, http.StatusNotFound, "no such account")
		return nil, false
	}
	a, err := s.Store.ActorByID(r.Context(), id)
	if err == nil && a.Type != store.TypePerson {
		err = store.ErrNotFound
	}
	if err != nil {
		if err == store.ErrNotFound {
			apiError(w, http.StatusNotFound, "no such account")
		} else {
			writeError(w, err)
		}
		return nil, false
	}
	return a, true
}

func (s *Server) apiAccount(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.accountFromPath(w, r); ok {
		writeJSON(w, http.StatusOK, s.accountEntity(r.Context(), a))
	}
}

func (s *Server) apiAccountStatuses(w http.ResponseWriter, r *http.Request) {
	a, ok := s.accountFromPath(w, r)
	if !ok {
		return
	}
	objs, err := s.Store.AuthorObjects(r.Context(), a.ID, pageFrom(r))
	if err != nil {
		writeError(w, err)
		return
	}
	s.writeStatusPage(w, r, objs)
}

// pageFrom reads Mastodon's paging parameters.
func pageFrom(r *http.Request) store.Page {
	q := r.URL.Query()
	maxID, _ := strconv.ParseInt(q.Get("max_id"), 10, 64)
	minID, _ := strconv.ParseInt(q.Get("since_id"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	return store.Page{MaxID: maxID, MinID: minID, Limit: limit}
}

// writeStatusPage writes statuses with Mastodon's Link header for the next page.
func (s *Server) writeStatusPage(w http.ResponseWriter, r *http.Request, objs []*store.Object) {
	if len(objs) > 0 {
		next := *r.URL
		q := next.Query()
		q.Set("max_id", strconv.FormatInt(objs[len(objs)-1].ID, 10))
		q.Del("since_id")
		next.RawQuery = q.Encode()
		w.Header().Set("Link", `<`+s.Links.Base+next.String()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, s.statusEntities(r.Context(), objs))
}

func (s *Server) apiDirectory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if offset < 0 || offset > 10000 {
		apiError(w, http.StatusBadRequest, "offset out of range")
		return
	}
	skill, text := strings.TrimSpace(q.Get("skill")), strings.TrimSpace(q.Get("q"))
	if len(skill) > 200 || len(text) > 200 {
		apiError(w, http.StatusUnprocessableEntity, "query too long")
		return
	}
	people, err := s.Store.Directory(r.Context(), store.DirectoryQuery{Skill: skill, Text: text,
		LocalOnly: q.Get("local") == "true", Limit: limit, Offset: offset})
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]accountJSON, 0, len(people))
	for _, a := range people {
		out = append(out, s.accountEntity(r.Context(), a))
	}
	writeJSON(w, http.StatusOK, out)
}
