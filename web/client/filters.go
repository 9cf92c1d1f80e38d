package client

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// Limits of a filter's fields.
const (
	maxFilterTitle   = 256
	maxFilterKeyword = 256
	maxFilterWords   = 100
)

// filterJSON is Mastodon's v2 Filter entity.
type filterJSON struct {
	ID           string              `json:"id"`
	Title        string              `json:"title"`
	Context      []string            `json:"context"`
	ExpiresAt    *time.Time          `json:"expires_at"`
	FilterAction string              `json:"filter_action"`
	Keywords     []filterKeywordJSON `json:"keywords"`
	Statuses     []any               `json:"statuses"`
}

type filterKeywordJSON struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

// filterResultJSON is Mastodon's FilterResult, in a Status's filtered.
type filterResultJSON struct {
	Filter         filterJSON `json:"filter"`
	KeywordMatches []string   `json:"keyword_matches"`
	StatusMatches  []string   `json:"status_matches"`
}

func filterEntity(f *store.Filter) filterJSON {
	out := filterJSON{ID: strconv.FormatInt(f.ID, 10), Title: f.Title, Context: f.Context, ExpiresAt: f.ExpiresAt,
		FilterAction: f.Action, Keywords: []filterKeywordJSON{}, Statuses: []any{}}
	for _, k := range f.Keywords {
		out.Keywords = append(out.Keywords, filterKeywordJSON{ID: strconv.FormatInt(k.ID, 10), Keyword: k.Keyword, WholeWord: k.WholeWord})
	}
	return out
}

type filterContextKey struct{}

// withFilterContext says which filter context (home, public, thread,
// account, notifications) the statuses rendered under ctx are shown in.
func withFilterContext(ctx context.Context, where string) context.Context {
	return context.WithValue(ctx, filterContextKey{}, where)
}

func filterContextOf(ctx context.Context) string {
	s, _ := ctx.Value(filterContextKey{}).(string)
	return s
}

// routeFilterContexts are the lists whose statuses filters apply to.
var routeFilterContexts = map[string]string{
	"/api/v1/timelines/home":          "home",
	"/api/v1/timelines/public":        "public",
	"/api/v1/timelines/tag/{hashtag}": "public",
	"/api/v1/statuses/{id}/context":   "thread",
	"/api/v1/accounts/{id}/statuses":  "account",
	"/api/v1/groups/{id}/timeline":    "public",
	"/api/v1/notifications":           "notifications",
	"/api/v1/notifications/{id}":      "notifications",
	"/api/v2/notifications":           "notifications",
}

// requestFilterContext is the filter context of the route a request took.
func requestFilterContext(r *http.Request) context.Context {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if where, ok := routeFilterContexts[rc.RoutePattern()]; ok {
			return withFilterContext(r.Context(), where)
		}
	}
	return r.Context()
}

// activeFilter is a filter compiled for a page.
type activeFilter struct {
	filter   *store.Filter
	keywords []*regexp.Regexp
}

// viewerFilters are the viewer's unexpired filters of the context ctx
// names (none outside a filtered list).
func (api *API) viewerFilters(ctx context.Context, viewer int64) []activeFilter {
	where := filterContextOf(ctx)
	if viewer == 0 || where == "" {
		return nil
	}
	acct, err := api.Store.AccountByActorID(ctx, viewer)
	if err != nil {
		return nil
	}
	list, err := api.Store.Filters(ctx, acct.ID, true)
	if err != nil {
		return nil
	}
	var out []activeFilter
	for _, f := range list {
		if !slices.Contains(f.Context, where) {
			continue
		}
		af := activeFilter{filter: f}
		for _, k := range f.Keywords {
			af.keywords = append(af.keywords, keywordPattern(k))
		}
		out = append(out, af)
	}
	return out
}

// keywordPattern matches a keyword case-insensitively; a whole word only
// between non-letters, as Mastodon's whole_word.
func keywordPattern(k store.FilterKeyword) *regexp.Regexp {
	q := regexp.QuoteMeta(k.Keyword)
	if k.WholeWord {
		q = `(?:^|[^\p{L}\p{N}_])` + q + `(?:$|[^\p{L}\p{N}_])`
	}
	return regexp.MustCompile(`(?i)` + q)
}

// applyFilters tells whether a status is hidden, and the results to show
// for the filters that only warn.
func applyFilters(filters []activeFilter, o *store.Object) (hidden bool, results []filterResultJSON) {
	if len(filters) == 0 {
		return false, nil
	}
	text := markup.Text(o.Content) + "\n" + o.Summary + "\n" + o.Name
	for _, af := range filters {
		var matches []string
		for i, re := range af.keywords {
			if re.MatchString(text) {
				matches = append(matches, af.filter.Keywords[i].Keyword)
			}
		}
		if len(matches) == 0 {
			continue
		}
		if af.filter.Action == store.FilterHide {
			return true, nil
		}
		results = append(results, filterResultJSON{Filter: filterEntity(af.filter), KeywordMatches: matches})
	}
	return false, results
}

// filterInput is the body of POST and PUT /api/v2/filters.
type filterInput struct {
	Title        *string  `json:"title"`
	Context      []string `json:"context"`
	FilterAction string   `json:"filter_action"`
	ExpiresIn    any      `json:"expires_in"`
	Keywords     []struct {
		ID        string `json:"id"`
		Keyword   string `json:"keyword"`
		WholeWord *bool  `json:"whole_word"`
		Destroy   any    `json:"_destroy"`
	} `json:"keywords_attributes"`
}

func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true" || b == "1"
	case float64:
		return b != 0
	}
	return false
}

// readFilter checks a filter body into f (creating when f.ID is 0).
func readFilter(in filterInput, f *store.Filter) ([]store.KeywordChange, error) {
	if in.Title != nil {
		f.Title = strings.TrimSpace(*in.Title)
	}
	if f.Title == "" || utf8.RuneCountInString(f.Title) > maxFilterTitle {
		return nil, respond.InvalidField("title", "is required, at most 256 characters")
	}
	if in.Context != nil || f.ID == 0 {
		if len(in.Context) == 0 {
			return nil, respond.InvalidField("context", "name at least one of home, notifications, public, thread, account")
		}
		for _, c := range in.Context {
			if !slices.Contains(store.FilterContexts, c) {
				return nil, respond.InvalidField("context", "unknown context "+strconv.Quote(c))
			}
		}
		f.Context = slices.Compact(slices.Sorted(slices.Values(in.Context)))
	}
	switch in.FilterAction {
	case "":
		if f.Action == "" {
			f.Action = store.FilterWarn
		}
	case store.FilterWarn, store.FilterHide:
		f.Action = in.FilterAction
	default:
		return nil, respond.InvalidField("filter_action", "must be warn or hide")
	}
	switch v := in.ExpiresIn.(type) {
	case nil:
	case string:
		if v == "" {
			f.ExpiresAt = nil
			break
		}
		secs, err := strconv.Atoi(v)
		if err != nil || secs <= 0 {
			return nil, respond.InvalidField("expires_in", "must be a number of seconds")
		}
		at := time.Now().Add(time.Duration(secs) * time.Second)
		f.ExpiresAt = &at
	case float64:
		if v <= 0 || v > 1e9 {
			return nil, respond.InvalidField("expires_in", "must be a number of seconds")
		}
		at := time.Now().Add(time.Duration(v) * time.Second)
		f.ExpiresAt = &at
	default:
		return nil, respond.InvalidField("expires_in", "must be a number of seconds")
	}
	if len(in.Keywords) > maxFilterWords {
		return nil, respond.InvalidField("keywords_attributes", "at most 100 keywords")
	}
	var changes []store.KeywordChange
	for _, k := range in.Keywords {
		c := store.KeywordChange{Keyword: strings.TrimSpace(k.Keyword), WholeWord: k.WholeWord == nil || *k.WholeWord,
			Destroy: truthy(k.Destroy)}
		if k.ID != "" {
			id, ok := respond.ParseID(k.ID)
			if !ok {
				return nil, respond.InvalidField("keywords_attributes", "no such keyword "+strconv.Quote(k.ID))
			}
			c.ID = id
		} else if c.Destroy {
			continue
		}
		if !c.Destroy && (c.Keyword == "" || utf8.RuneCountInString(c.Keyword) > maxFilterKeyword) {
			return nil, respond.InvalidField("keywords_attributes", "a keyword is 1 to 256 characters")
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// apiFilters is GET /api/v2/filters.
func (api *API) apiFilters(w http.ResponseWriter, r *http.Request) {
	list, err := api.Store.Filters(r.Context(), auth.Account(r).ID, false)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out := make([]filterJSON, 0, len(list))
	for _, f := range list {
		out = append(out, filterEntity(f))
	}
	respond.JSON(w, http.StatusOK, out)
}

func (api *API) filterFromPath(w http.ResponseWriter, r *http.Request) (*store.Filter, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	var f *store.Filter
	err := store.ErrNotFound
	if ok {
		f, err = api.Store.FilterByID(r.Context(), auth.Account(r).ID, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "Record not found")
		return nil, false
	} else if err != nil {
		respond.Fail(w, err)
		return nil, false
	}
	return f, true
}

// apiFilter is GET /api/v2/filters/:id.
func (api *API) apiFilter(w http.ResponseWriter, r *http.Request) {
	if f, ok := api.filterFromPath(w, r); ok {
		respond.JSON(w, http.StatusOK, filterEntity(f))
	}
}

// apiSaveFilter is POST /api/v2/filters and PUT /api/v2/filters/:id.
func (api *API) apiSaveFilter(create bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := &store.Filter{AccountID: auth.Account(r).ID}
		if !create {
			var ok bool
			if f, ok = api.filterFromPath(w, r); !ok {
				return
			}
		}
		var in filterInput
		if err := respond.Decode(w, r, &in); err != nil {
			respond.Fail(w, err)
			return
		}
		changes, err := readFilter(in, f)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		if err := api.Store.SaveFilter(r.Context(), f, changes); err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, filterEntity(f))
	}
}

// apiDeleteFilter is DELETE /api/v2/filters/:id.
func (api *API) apiDeleteFilter(w http.ResponseWriter, r *http.Request) {
	f, ok := api.filterFromPath(w, r)
	if !ok {
		return
	}
	if _, err := api.Store.DeleteFilter(r.Context(), f.AccountID, f.ID); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{})
}
