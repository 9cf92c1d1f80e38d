package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
	"github.com/archipel-social/archipel/wiki"
)

// maxPageRequest bounds a page's JSON: a body of wiki.MaxBody bytes may
// take up to about twice as much once escaped, and is then refused by name.
const maxPageRequest = 3*wiki.MaxBody + 64<<10

// pageJSON is a page of a group's knowledge base.
type pageJSON struct {
	ID        string         `json:"id"`
	URI       string         `json:"uri"`
	URL       string         `json:"url"`
	GroupID   string         `json:"group_id"`
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	HTML      string         `json:"html"`
	Version   int            `json:"version"`
	ParentID  *string        `json:"parent_id"`
	Locked    bool           `json:"locked"`
	Template  bool           `json:"template"`
	TOC       []wiki.Heading `json:"toc"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt *time.Time     `json:"updated_at"`
	Account   accountJSON    `json:"account"`
	// Proposals are the caller's edits waiting for a remote group, or in
	// conflict with what the group took (then with the diff to merge).
	Proposals []proposalJSON `json:"proposals"`
}

type proposalJSON struct {
	BaseVersion int             `json:"base_version"`
	Title       string          `json:"title"`
	Body        string          `json:"body"`
	Conflict    bool            `json:"conflict"`
	Diff        []wiki.DiffLine `json:"diff,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
}

type pageVersionJSON struct {
	Version   int          `json:"version"`
	Title     string       `json:"title"`
	Body      string       `json:"body,omitempty"`
	Account   *accountJSON `json:"account"`
	CreatedAt time.Time    `json:"created_at"`
}

// idString is an id as the API writes it.
func idString(id int64) string { return strconv.FormatInt(id, 10) }

// PagePath is where the web pages show a page of a group (handle: the
// group's username here, name@host for a remote group).
func PagePath(handle string, id int64) string { return "/g/" + handle + "/pages/" + idString(id) }

// NewPagePath is the web page that creates a page of that title.
func NewPagePath(handle, title string) string {
	return "/g/" + handle + "/pages/new?title=" + url.QueryEscape(title)
}

// GroupHandle is how the web pages name a group in their paths.
func GroupHandle(g *store.Actor) string {
	if g.Local {
		return g.Username
	}
	return g.Handle()
}

func (api *API) pageEntity(r *http.Request, p *store.WikiPage, g *store.Group) pageJSON {
	out := api.pageSummary(r, p, g)
	ctx := r.Context()
	if p.Author != nil {
		out.Account = api.accountEntity(ctx, p.Author)
	}
	handle := GroupHandle(g.Actor)
	rendered, _ := outbox.RenderPage(ctx, api.Store, g.ID, p.Body,
		func(id int64) string { return PagePath(handle, id) },
		func(title string) string { return NewPagePath(handle, title) })
	out.Body, out.HTML = p.Body, rendered.HTML
	if rendered.TOC != nil {
		out.TOC = rendered.TOC
	}
	if acct := auth.Account(r); acct != nil {
		props, _ := api.Store.PageProposals(ctx, p.ID)
		for _, pp := range props {
			if pp.AuthorID != acct.ActorID {
				continue
			}
			pj := proposalJSON{BaseVersion: pp.BaseVersion, Title: pp.Title, Body: pp.Body, Conflict: pp.Conflict, CreatedAt: pp.CreatedAt}
			if pp.Conflict {
				pj.Diff = wiki.Diff(p.Body, pp.Body)
			}
			out.Proposals = append(out.Proposals, pj)
		}
	}
	return out
}

// pageSummary is a page without its text, its rendering or the caller's
// proposals: what a list of pages shows (read without a query per page).
func (api *API) pageSummary(r *http.Request, p *store.WikiPage, g *store.Group) pageJSON {
	out := pageJSON{ID: idString(p.ID), URI: p.URI, URL: api.Links.Base + PagePath(GroupHandle(g.Actor), p.ID), GroupID: idString(g.ID),
		Title: p.Name, Version: p.Version, Locked: p.Locked, Template: p.Template, TOC: []wiki.Heading{},
		CreatedAt: p.Published.UTC(), UpdatedAt: p.Updated, Proposals: []proposalJSON{}}
	if p.ParentID != nil {
		s := idString(*p.ParentID)
		out.ParentID = &s
	}
	return out
}

// readableGroup loads a group and checks the caller may read its content
// (store.CanReadGroupContent, with the caller's actor, nil without token).
func (api *API) readableGroup(w http.ResponseWriter, r *http.Request, groupID int64) (*store.Group, bool) {
	g, err := api.Store.GroupByActorID(r.Context(), groupID)
	if err != nil {
		respond.Fail(w, err)
		return nil, false
	}
	var reader *store.Actor
	if acct := auth.Account(r); acct != nil {
		if reader, err = api.Store.ActorByID(r.Context(), acct.ActorID); err != nil {
			respond.Fail(w, err)
			return nil, false
		}
	}
	if known, err := api.Store.KnowsGroup(r.Context(), g, viewerID(r)); err != nil || !known {
		respond.Error(w, http.StatusNotFound, "not found")
		return nil, false
	}
	if ok, err := api.Store.CanReadGroupContent(r.Context(), g, reader); err != nil {
		respond.Fail(w, err)
		return nil, false
	} else if !ok {
		respond.Fail(w, outbox.ErrForbidden)
		return nil, false
	}
	return g, true
}

// pageForViewer loads the page in the path, with its group, for a caller
// who may read it.
func (api *API) pageForViewer(w http.ResponseWriter, r *http.Request) (*store.WikiPage, *store.Group, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "not found")
		return nil, nil, false
	}
	p, err := api.Store.PageByObjectID(r.Context(), id)
	if err == nil && (p.DeletedAt != nil || p.GroupID == nil) {
		err = store.ErrNotFound
	}
	if err != nil {
		respond.Fail(w, err)
		return nil, nil, false
	}
	g, ok := api.readableGroup(w, r, *p.GroupID)
	return p, g, ok
}

// pageInput is the JSON of a page's creation or save.
type pageInput struct {
	Title       *string         `json:"title"`
	Body        *string         `json:"body"`
	ParentID    json.RawMessage `json:"parent_id"`
	BaseVersion *int            `json:"base_version"`
	Locked      *bool           `json:"locked"`
	Template    *bool           `json:"template"`
}

// optionalID reads an id given as a string or a number; set is false when
// the field is absent, id nil when it is null or "".
func optionalID(field string, raw json.RawMessage) (set bool, id *int64, err error) {
	if len(raw) == 0 {
		return false, nil, nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return true, nil, respond.InvalidField(field, "an id")
	}
	var s string
	switch v := v.(type) {
	case nil:
		return true, nil, nil
	case string:
		s = v
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return true, nil, respond.InvalidField(field, "an id")
	}
	if s == "" {
		return true, nil, nil
	}
	n, ok := respond.ParseID(s)
	if !ok {
		return true, nil, respond.InvalidField(field, "an id")
	}
	return true, &n, nil
}

func (api *API) apiCreatePage(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	var in pageInput
	if err := respond.DecodeWithin(w, r, &in, maxPageRequest); err != nil {
		respond.Fail(w, err)
		return
	}
	_, parent, err := optionalID("parent_id", in.ParentID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	np := outbox.NewPage{ParentID: parent}
	if in.Title != nil {
		np.Title = *in.Title
	}
	if in.Body != nil {
		np.Body = *in.Body
	}
	if in.Template != nil {
		np.Template = *in.Template
	}
	p, err := api.Outbox.CreatePage(r.Context(), me, g.ID, np)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.pageEntity(r, p, g))
}

func (api *API) apiGroupPages(w http.ResponseWriter, r *http.Request) {
	gv, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	g, ok := api.readableGroup(w, r, gv.ID)
	if !ok {
		return
	}
	pages, err := api.Store.GroupPages(r.Context(), g.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	authors := map[int64]*store.Actor{}
	for _, p := range pages {
		if p.Author != nil {
			authors[p.Author.ID] = p.Author
		}
	}
	accounts := api.accountEntities(r.Context(), authors)
	out := make([]pageJSON, 0, len(pages))
	for _, p := range pages {
		e := api.pageSummary(r, p, g) // GET /pages/:id has the text
		e.Account = accounts[p.AttributedTo]
		out = append(out, e)
	}
	respond.JSON(w, http.StatusOK, out)
}

func (api *API) apiPage(w http.ResponseWriter, r *http.Request) {
	if p, g, ok := api.pageForViewer(w, r); ok {
		respond.JSON(w, http.StatusOK, api.pageEntity(r, p, g))
	}
}

// conflictJSON is the 409 of a stale save: the page as it is now, what the
// save carried, and the diff from the one to the other, to merge.
type conflictJSON struct {
	Error   string          `json:"error"`
	Field   string          `json:"field"`
	Current pageJSON        `json:"current"`
	Yours   proposalJSON    `json:"yours"`
	Diff    []wiki.DiffLine `json:"diff"`
}

// failPage answers a page save's error: a conflict with the current page.
func (api *API) failPage(w http.ResponseWriter, r *http.Request, g *store.Group, err error, base int) {
	var pc *outbox.PageConflict
	if !errors.As(err, &pc) {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusConflict, conflictJSON{Error: pc.Error(), Field: "base_version", Current: api.pageEntity(r, pc.Current, g),
		Yours: proposalJSON{BaseVersion: base, Title: pc.Title, Body: pc.Body, Conflict: true}, Diff: wiki.Diff(pc.Current.Body, pc.Body)})
}

func (api *API) apiEditPage(w http.ResponseWriter, r *http.Request) {
	p, g, ok := api.pageForViewer(w, r)
	if !ok {
		return
	}
	var in pageInput
	if err := respond.DecodeWithin(w, r, &in, maxPageRequest); err != nil {
		respond.Fail(w, err)
		return
	}
	if in.BaseVersion == nil {
		respond.Fail(w, respond.InvalidField("base_version", "the version the edit started from is required"))
		return
	}
	setParent, parent, err := optionalID("parent_id", in.ParentID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	e := outbox.PageEdit{Title: in.Title, Body: in.Body, BaseVersion: *in.BaseVersion, SetParent: setParent, ParentID: parent,
		Locked: in.Locked, Template: in.Template}
	saved, err := api.Outbox.EditPage(r.Context(), auth.Account(r), p.ID, e)
	if err != nil {
		api.failPage(w, r, g, err, *in.BaseVersion)
		return
	}
	respond.JSON(w, http.StatusOK, api.pageEntity(r, saved, g))
}

func (api *API) apiDeletePage(w http.ResponseWriter, r *http.Request) {
	p, _, ok := api.pageForViewer(w, r)
	if !ok {
		return
	}
	if err := api.Outbox.DeletePage(r.Context(), auth.Account(r), p.ID); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{})
}

func (api *API) versionEntities(r *http.Request, vs []store.PageVersion, withBody bool) []pageVersionJSON {
	ids := map[int64]bool{}
	var actorIDs []int64
	for _, v := range vs {
		if v.AuthorID != nil && !ids[*v.AuthorID] {
			ids[*v.AuthorID] = true
			actorIDs = append(actorIDs, *v.AuthorID)
		}
	}
	actors, _ := api.Store.ActorsByIDs(r.Context(), actorIDs)
	accounts := api.accountEntities(r.Context(), actors)
	out := make([]pageVersionJSON, 0, len(vs))
	for _, v := range vs {
		e := pageVersionJSON{Version: v.Version, Title: v.Title, CreatedAt: v.CreatedAt.UTC()}
		if withBody {
			e.Body = v.Body
		}
		if v.AuthorID != nil {
			if a, ok := accounts[*v.AuthorID]; ok {
				e.Account = &a
			}
		}
		out = append(out, e)
	}
	return out
}

func (api *API) apiPageVersions(w http.ResponseWriter, r *http.Request) {
	p, _, ok := api.pageForViewer(w, r)
	if !ok {
		return
	}
	vs, err := api.Store.PageVersions(r.Context(), p.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.versionEntities(r, vs, false))
}

// versionParam reads a version number of the path or query.
func versionParam(w http.ResponseWriter, s, field string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		respond.Fail(w, respond.InvalidField(field, "a version number"))
		return 0, false
	}
	return n, true
}

func (api *API) apiPageVersion(w http.ResponseWriter, r *http.Request) {
	p, _, ok := api.pageForViewer(w, r)
	if !ok {
		return
	}
	n, ok := versionParam(w, chi.URLParam(r, "n"), "n")
	if !ok {
		return
	}
	v, err := api.Store.PageVersionOf(r.Context(), p.ID, n)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.versionEntities(r, []store.PageVersion{*v}, true)[0])
}

// apiPageDiff is the diff between two versions (?from=&to=, to defaults to
// the current one).
func (api *API) apiPageDiff(w http.ResponseWriter, r *http.Request) {
	p, _, ok := api.pageForViewer(w, r)
	if !ok {
		return
	}
	from, ok := versionParam(w, r.URL.Query().Get("from"), "from")
	if !ok {
		return
	}
	to := p.Version
	if s := r.URL.Query().Get("to"); s != "" {
		if to, ok = versionParam(w, s, "to"); !ok {
			return
		}
	}
	a, err := api.Store.PageVersionOf(r.Context(), p.ID, from)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	b, err := api.Store.PageVersionOf(r.Context(), p.ID, to)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "from_title": a.Title, "to_title": b.Title,
		"lines": wiki.Diff(a.Body, b.Body)})
}

func (api *API) apiRestorePage(w http.ResponseWriter, r *http.Request) {
	p, g, ok := api.pageForViewer(w, r)
	if !ok {
		return
	}
	n, ok := versionParam(w, chi.URLParam(r, "n"), "n")
	if !ok {
		return
	}
	saved, err := api.Outbox.RestorePageVersion(r.Context(), auth.Account(r), p.ID, n)
	if err != nil {
		api.failPage(w, r, g, err, p.Version)
		return
	}
	respond.JSON(w, http.StatusOK, api.pageEntity(r, saved, g))
}

func (api *API) apiSetPageEditors(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	var in struct {
		Editors string `json:"editors"`
	}
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	if err := api.Outbox.SetPageEditors(r.Context(), auth.Account(r), g.ID, in.Editors); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]string{"editors": in.Editors})
}

// apiGroupSearch is the group's one search: posts, documents, pages and
// tasks ranked together (French full text).
func (api *API) apiGroupSearch(w http.ResponseWriter, r *http.Request) {
	gv, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	g, ok := api.readableGroup(w, r, gv.ID)
	if !ok {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" || len(q) > 200 {
		respond.Fail(w, respond.InvalidField("q", "1 to 200 characters"))
		return
	}
	hits, err := api.Store.SearchGroup(r.Context(), g.ID, q, 40)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out := make([]map[string]any, 0, len(hits))
	for _, h := range hits {
		out = append(out, map[string]any{"id": idString(h.ObjectID), "type": searchKind(h.Type), "title": h.Name,
			"excerpt": h.Excerpt, "rank": h.Rank})
	}
	respond.JSON(w, http.StatusOK, out)
}

// searchKind names a result's kind as the API does.
func searchKind(t string) string {
	switch t {
	case store.TypeWikiPage:
		return "page"
	case store.TypeTask:
		return "task"
	case "Document":
		return "document"
	}
	return "status"
}
