package client

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// Mastodon's paging, shared by every list of the API: max_id, since_id,
// min_id and limit in, a Link header with next and prev out.

// pageFrom reads the paging parameters. A malformed id or limit is a 422
// naming it; a limit above the largest page is lowered to it, as Mastodon
// does (apps ask for 40 or 80 and expect a page back).
func pageFrom(w http.ResponseWriter, r *http.Request) (store.Page, bool) {
	q := r.URL.Query()
	var p store.Page
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"max_id", &p.MaxID}, {"since_id", &p.SinceID}, {"min_id", &p.MinID}} {
		if v := q.Get(f.name); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id < 0 {
				respond.Fail(w, respond.InvalidField(f.name, "not a status, notification or account id"))
				return p, false
			}
			*f.dst = id
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			respond.Fail(w, respond.InvalidField("limit", "a whole number from 1 to "+strconv.Itoa(store.MaxPageSize)))
			return p, false
		}
		p.Limit = min(n, store.MaxPageSize)
	}
	return p, true
}

// setLinks writes Mastodon's Link header for a page whose items run from
// newest to oldest (by their paging ids): next gives older items (max_id),
// prev newer ones (min_id). The request's other parameters are kept.
func (api *API) setLinks(w http.ResponseWriter, r *http.Request, newest, oldest int64) {
	link := func(param string, id int64, rel string) string {
		u := *r.URL
		q := u.Query()
		q.Del("max_id")
		q.Del("since_id")
		q.Del("min_id")
		q.Set(param, strconv.FormatInt(id, 10))
		u.RawQuery = q.Encode()
		return `<` + api.Links.Base + u.Path + "?" + u.RawQuery + `>; rel="` + rel + `"`
	}
	w.Header().Set("Link", link("max_id", oldest, "next")+", "+link("min_id", newest, "prev"))
}

// Lists ranked by relevance or name (the directory, groups, search) page
// with offset and limit, as Mastodon's directory does.
const maxOffset = 10000

// offsetFrom reads offset and limit; a malformed one is a 422.
func offsetFrom(w http.ResponseWriter, r *http.Request, defaultLimit int) (offset, limit int, ok bool) {
	q := r.URL.Query()
	limit = defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			respond.Fail(w, respond.InvalidField("limit", "a whole number from 1 to "+strconv.Itoa(store.MaxPageSize)))
			return 0, 0, false
		}
		limit = min(n, store.MaxPageSize)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxOffset {
			respond.Fail(w, respond.InvalidField("offset", "a whole number from 0 to "+strconv.Itoa(maxOffset)))
			return 0, 0, false
		}
		offset = n
	}
	return offset, limit, true
}

// setOffsetLinks writes the Link header of an offset page of n items: next
// when the page is full, prev when it is not the first.
func (api *API) setOffsetLinks(w http.ResponseWriter, r *http.Request, offset, limit, n int) {
	link := func(at int, rel string) string {
		u := *r.URL
		q := u.Query()
		q.Set("offset", strconv.Itoa(at))
		q.Set("limit", strconv.Itoa(limit))
		u.RawQuery = q.Encode()
		return `<` + api.Links.Base + u.Path + "?" + u.RawQuery + `>; rel="` + rel + `"`
	}
	var links []string
	if n == limit && offset+limit <= maxOffset {
		links = append(links, link(offset+limit, "next"))
	}
	if offset > 0 {
		links = append(links, link(max(offset-limit, 0), "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

// accountList converts a list of actors, their counts read in one query.
func (api *API) accountList(r *http.Request, actors []*store.Actor) []accountJSON {
	byID := make(map[int64]*store.Actor, len(actors))
	for _, a := range actors {
		byID[a.ID] = a
	}
	accounts := api.accountEntities(r.Context(), byID)
	out := make([]accountJSON, 0, len(actors))
	for _, a := range actors {
		out = append(out, accounts[a.ID])
	}
	return out
}
