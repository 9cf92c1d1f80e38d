package client

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// Mastodon's deprecated keyword filters (/api/v1/filters), as Mastodon
// itself serves them since 4.0: a view over the v2 filters, one v1 filter
// per keyword (its id the keyword's), irreversible for a hide filter. A v1
// filter created here is a v2 filter with that one keyword; deleting one
// removes its keyword.

// filterV1JSON is Mastodon's V1::Filter entity.
type filterV1JSON struct {
	ID           string   `json:"id"`
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	ExpiresAt    any      `json:"expires_at"`
	Irreversible bool     `json:"irreversible"`
	WholeWord    bool     `json:"whole_word"`
}

// keywordAttr is one keywords_attributes entry of filterInput.
type keywordAttr = struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord *bool  `json:"whole_word"`
	Destroy   any    `json:"_destroy"`
}

func filterV1Entity(f *store.Filter, k store.FilterKeyword) filterV1JSON {
	out := filterV1JSON{ID: strconv.FormatInt(k.ID, 10), Phrase: k.Keyword, Context: f.Context,
		Irreversible: f.Action == store.FilterHide, WholeWord: k.WholeWord}
	if f.ExpiresAt != nil {
		out.ExpiresAt = f.ExpiresAt
	}
	return out
}

// apiFiltersV1 is GET /api/v1/filters.
func (api *API) apiFiltersV1(w http.ResponseWriter, r *http.Request) {
	list, err := api.Store.Filters(r.Context(), auth.Account(r).ID, false)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out := []filterV1JSON{}
	for _, f := range list {
		for _, k := range f.Keywords {
			out = append(out, filterV1Entity(f, k))
		}
	}
	respond.JSON(w, http.StatusOK, out)
}

// keywordFromPath finds the reader's filter keyword a v1 path names.
func (api *API) keywordFromPath(w http.ResponseWriter, r *http.Request) (*store.Filter, store.FilterKeyword, bool) {
	if id, ok := respond.ParseID(chi.URLParam(r, "id")); ok {
		list, err := api.Store.Filters(r.Context(), auth.Account(r).ID, false)
		if err != nil {
			respond.Fail(w, err)
			return nil, store.FilterKeyword{}, false
		}
		for _, f := range list {
			for _, k := range f.Keywords {
				if k.ID == id {
					return f, k, true
				}
			}
		}
	}
	respond.Error(w, http.StatusNotFound, "Record not found")
	return nil, store.FilterKeyword{}, false
}

// apiFilterV1 is GET /api/v1/filters/:id.
func (api *API) apiFilterV1(w http.ResponseWriter, r *http.Request) {
	if f, k, ok := api.keywordFromPath(w, r); ok {
		respond.JSON(w, http.StatusOK, filterV1Entity(f, k))
	}
}

// filterV1Input is the body of POST /api/v1/filters.
type filterV1Input struct {
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	Irreversible bool     `json:"irreversible"`
	WholeWord    *bool    `json:"whole_word"`
	ExpiresIn    any      `json:"expires_in"`
}

// apiCreateFilterV1 is POST /api/v1/filters: a v2 filter titled and
// matching the phrase, checked by the v2 rules.
func (api *API) apiCreateFilterV1(w http.ResponseWriter, r *http.Request) {
	var in filterV1Input
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	if in.Phrase == "" {
		respond.Fail(w, respond.InvalidField("phrase", "is required"))
		return
	}
	action := store.FilterWarn
	if in.Irreversible {
		action = store.FilterHide
	}
	whole := in.WholeWord == nil || *in.WholeWord
	v2 := filterInput{Title: &in.Phrase, Context: in.Context, FilterAction: action, ExpiresIn: in.ExpiresIn,
		Keywords: []keywordAttr{{Keyword: in.Phrase, WholeWord: &whole}}}
	if v2.Context == nil {
		v2.Context = []string{} // required, as in v2
	}
	f := &store.Filter{AccountID: auth.Account(r).ID}
	changes, err := readFilter(v2, f)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if err := api.Store.SaveFilter(r.Context(), f, changes); err != nil {
		respond.Fail(w, err)
		return
	}
	// SaveFilter reloads f, with its one keyword.
	respond.JSON(w, http.StatusOK, filterV1Entity(f, f.Keywords[0]))
}

// apiDeleteFilterV1 is DELETE /api/v1/filters/:id: the keyword goes, and
// the v2 filter with it when it was its last one.
func (api *API) apiDeleteFilterV1(w http.ResponseWriter, r *http.Request) {
	f, k, ok := api.keywordFromPath(w, r)
	if !ok {
		return
	}
	var err error
	if len(f.Keywords) == 1 {
		_, err = api.Store.DeleteFilter(r.Context(), f.AccountID, f.ID)
	} else {
		err = api.Store.SaveFilter(r.Context(), f, []store.KeywordChange{{ID: k.ID, Destroy: true}})
	}
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{})
}
