package client

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// Search bounds, as Mastodon's.
const (
	defaultSearchLimit = 20
	maxSearchLimit     = 40
	maxSearchQuery     = 500
)

// searchQuery is /api/v2/search's input.
type searchQuery struct {
	q             string
	typ           string
	resolve       bool
	limit, offset int
	accountID     int64
}

func readSearch(w http.ResponseWriter, r *http.Request) (searchQuery, bool) {
	v := r.URL.Query()
	s := searchQuery{q: strings.TrimSpace(v.Get("q")), typ: v.Get("type"), resolve: boolParam(r, "resolve"), limit: defaultSearchLimit}
	fail := func(field, msg string) (searchQuery, bool) {
		respond.Fail(w, respond.InvalidField(field, msg))
		return s, false
	}
	if !utf8.ValidString(s.q) || utf8.RuneCountInString(s.q) > maxSearchQuery {
		return fail("q", "at most "+strconv.Itoa(maxSearchQuery)+" characters of text")
	}
	switch s.typ {
	case "", "accounts", "hashtags", "statuses":
	default:
		return fail("type", "one of accounts, hashtags, statuses")
	}
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return fail("limit", "a whole number from 1 to "+strconv.Itoa(maxSearchLimit))
		}
		s.limit = min(n, maxSearchLimit)
	}
	if raw := v.Get("offset"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 10000 {
			return fail("offset", "a whole number from 0 to 10000")
		}
		s.offset = n
	}
	if raw := v.Get("account_id"); raw != "" {
		id, ok := respond.ParseID(raw)
		if !ok {
			return fail("account_id", "not an account id")
		}
		s.accountID = id
	}
	return s, true
}

func (s searchQuery) wants(typ string) bool { return s.typ == "" || s.typ == typ }

// searchResults is Mastodon's Search entity.
type searchResults struct {
	Accounts []accountJSON   `json:"accounts"`
	Statuses []statusJSON    `json:"statuses"`
	Hashtags []tagEntityJSON `json:"hashtags"`
}

// apiSearch is Mastodon's v2 search: people (by name, or @user@host, asking
// its node with resolve=true when signed in), posts by their words (French
// full text, only what the reader may read, or a post by its URL) and
// hashtags by prefix.
func (api *API) apiSearch(w http.ResponseWriter, r *http.Request) {
	s, ok := readSearch(w, r)
	if !ok {
		return
	}
	out := searchResults{Accounts: []accountJSON{}, Statuses: []statusJSON{}, Hashtags: []tagEntityJSON{}}
	if s.q == "" {
		respond.JSON(w, http.StatusOK, out)
		return
	}
	if s.wants("accounts") && !strings.HasPrefix(s.q, "#") {
		accounts, err := api.searchAccounts(r, s)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		out.Accounts = accounts
	}
	if s.wants("statuses") && !strings.HasPrefix(s.q, "#") && !strings.HasPrefix(s.q, "@") {
		objs, err := api.searchStatuses(r, s)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		out.Statuses = api.statusEntities(r, objs)
	}
	if s.wants("hashtags") && !strings.HasPrefix(s.q, "@") && store.ValidTag(store.NormaliseTag(s.q)) {
		tags, err := api.Store.SearchTags(r.Context(), s.q, s.limit, s.offset)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		for _, t := range tags {
			out.Hashtags = append(out.Hashtags, tagEntityJSON{Name: t.Name, URL: api.Links.Tag(url.PathEscape(t.Name)), History: []tagDayJSON{}})
		}
	}
	respond.JSON(w, http.StatusOK, out)
}

// searchAccounts finds people: @user@host exactly (resolved on its node
// with resolve=true), or by name in the directory.
func (api *API) searchAccounts(r *http.Request, s searchQuery) ([]accountJSON, error) {
	out := []accountJSON{}
	if strings.Count(strings.TrimPrefix(s.q, "@"), "@") == 1 {
		handle := strings.TrimPrefix(s.q, "@")
		name, host, _ := strings.Cut(handle, "@")
		var a *store.Actor
		var err error
		if strings.EqualFold(host, api.Links.Host()) {
			a, err = api.Store.LocalActorByUsername(r.Context(), name)
		} else if a, err = api.Store.ActorByHandle(r.Context(), name, strings.ToLower(host)); errors.Is(err, store.ErrNotFound) && s.resolve && auth.Account(r) != nil {
			// Only for a signed-in reader, or anyone could make this node
			// fetch from any host. A node that does not answer finds nobody.
			a, err = api.Federator.ResolveHandle(r.Context(), handle)
		}
		if err == nil && a != nil && s.offset == 0 && api.knows(r, a) && len(api.withoutHidden(r, []*store.Actor{a})) == 1 {
			out = append(out, api.accountEntity(r.Context(), a))
		} else if err != nil && !errors.Is(err, store.ErrNotFound) && a == nil && !s.resolve {
			return nil, err
		}
		return out, nil
	}
	people, err := api.Store.Directory(r.Context(), store.DirectoryQuery{Text: strings.TrimPrefix(s.q, "@"), Limit: s.limit, Offset: s.offset})
	if err != nil {
		return nil, err
	}
	// Groups are accounts too (group: true), after the people, within the
	// same limit.
	if len(people) < s.limit {
		groups, err := api.Store.Groups(r.Context(), store.GroupFilter{ViewerID: viewerID(r), Text: strings.TrimPrefix(s.q, "@"),
			Limit: s.limit - len(people), Offset: s.offset})
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			people = append(people, g.Actor)
		}
	}
	return append(out, api.accountList(r, api.withoutHidden(r, people))...), nil
}

// searchStatuses finds posts by their words, or one post by its URL.
func (api *API) searchStatuses(r *http.Request, s searchQuery) ([]*store.Object, error) {
	if u, err := url.Parse(s.q); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		o, err := api.Store.ObjectByURI(r.Context(), s.q)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (o.DeletedAt != nil || !store.IsPostType(o.Type) || !api.statusVisible(r, o))) {
			return nil, nil
		}
		return []*store.Object{o}, err
	}
	return api.Store.SearchStatuses(r.Context(), store.StatusSearch{Text: s.q, ViewerID: viewerID(r), AuthorID: s.accountID,
		Limit: s.limit, Offset: s.offset})
}
