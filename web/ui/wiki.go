package ui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/client"
	"github.com/archipel-social/archipel/wiki"
)

// A group's knowledge base: the pages with their tree, a page with its
// table of contents, the edit form (which shows both texts and the diff
// when another save came first), the history, a diff between two versions,
// and restoring one. And its tasks: the board by status, the list by due
// date or assignee, and "my tasks" across groups. Everything works without
// scripts: forms and links only.

// maxPageForm bounds a page's edit form: a body of wiki.MaxBody bytes,
// form-encoded, and then refused by name when it is over.
const maxPageForm = 3*wiki.MaxBody + 64<<10

// pageNode is a page in the tree of the sidebar.
type pageNode struct {
	*store.WikiPage
	URL      string
	Depth    int
	Children []*pageNode
}

// wikiData is what the knowledge base pages show.
type wikiData struct {
	G        *groupView
	Tree     []*pageNode // flattened, in order, with depths
	Page     *store.WikiPage
	PageURL  string
	HTML     template.HTML
	TOC      []wiki.Heading
	CanEdit  bool
	CanLock  bool
	Versions []versionRow
	Diff     []wiki.DiffLine
	From, To int
	// Conflict is a save refused because another came first: the text
	// kept is the reader's, Current the page's, Diff between them.
	Conflict  bool
	Proposals []store.PageProposal
	Templates []*store.WikiPage
	Parents   []*pageNode
}

type versionRow struct {
	store.PageVersion
	By *store.Actor
}

func (u *UI) pageURL(gv *groupView, id int64) string {
	return groupURL(gv.Actor) + "/pages/" + strconv.FormatInt(id, 10)
}

// pageTree flattens the group's pages into the sidebar's tree.
func (u *UI) pageTree(gv *groupView, pages []*store.WikiPage) []*pageNode {
	nodes := map[int64]*pageNode{}
	for _, p := range pages {
		nodes[p.ID] = &pageNode{WikiPage: p, URL: u.pageURL(gv, p.ID)}
	}
	var roots []*pageNode
	for _, p := range pages {
		n := nodes[p.ID]
		if p.ParentID != nil && nodes[*p.ParentID] != nil {
			parent := nodes[*p.ParentID]
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	var flat []*pageNode
	var walk func(ns []*pageNode, depth int)
	walk = func(ns []*pageNode, depth int) {
		sort.SliceStable(ns, func(i, j int) bool { return strings.ToLower(ns[i].Name) < strings.ToLower(ns[j].Name) })
		for _, n := range ns {
			n.Depth = depth
			flat = append(flat, n)
			if depth < 20 {
				walk(n.Children, depth+1)
			}
		}
	}
	walk(roots, 0)
	return flat
}

// wikiGroup loads the group of the path for a reader who may read it, with
// the tree of its pages.
func (u *UI) wikiGroup(w http.ResponseWriter, r *http.Request, v *view) (*groupView, *wikiData, bool) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return nil, nil, false
	}
	gv.Tab = "pages"
	d := &wikiData{G: gv}
	v.Data = d
	if !gv.CanRead {
		u.render(w, http.StatusForbidden, "pages", v)
		return nil, nil, false
	}
	pages, err := u.Store.GroupPages(r.Context(), gv.ID)
	if err != nil {
		u.fail(w, r, err)
		return nil, nil, false
	}
	d.Tree = u.pageTree(gv, pages)
	for _, p := range pages {
		if p.Template {
			d.Templates = append(d.Templates, p)
		}
	}
	return gv, d, true
}

// pages lists a group's pages as a tree.
func (u *UI) pageList(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.pages", "groups")
	if _, _, ok := u.wikiGroup(w, r, v); ok {
		u.render(w, http.StatusOK, "pages", v)
	}
}

// shownPage loads the page of a page's URL, with what its pages show
// around it (the group, the tree), answering the error itself (ok false).
func (u *UI) shownPage(w http.ResponseWriter, r *http.Request, v *view) (*wikiData, *store.WikiPage, bool) {
	gv, d, ok := u.wikiGroup(w, r, v)
	if !ok {
		return nil, nil, false
	}
	p, err := u.pageOf(r, gv)
	if err == nil {
		err = u.withPage(r, d, p)
	}
	if err != nil {
		u.fail(w, r, err)
		return nil, nil, false
	}
	return d, p, true
}

// pageOf loads the page of the path, which must be of the group.
func (u *UI) pageOf(r *http.Request, gv *groupView) (*store.WikiPage, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return nil, store.ErrNotFound
	}
	p, err := u.Store.PageByObjectID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if p.DeletedAt != nil || p.GroupID == nil || *p.GroupID != gv.ID {
		return nil, store.ErrNotFound
	}
	return p, nil
}

// withPage fills the data of one page: its HTML, contents, rights.
func (u *UI) withPage(r *http.Request, d *wikiData, p *store.WikiPage) error {
	ctx := r.Context()
	gv := d.G
	handle := client.GroupHandle(gv.Actor)
	rendered, err := outbox.RenderPage(ctx, u.Store, gv.ID, p.Body,
		func(id int64) string { return client.PagePath(handle, id) },
		func(title string) string { return client.NewPagePath(handle, title) })
	if err != nil {
		return err
	}
	d.Page, d.PageURL = p, u.pageURL(gv, p.ID)
	// The HTML went through markup's policy in wiki.Render.
	d.HTML, d.TOC = template.HTML(rendered.HTML), rendered.TOC
	if s := sessionOf(r); s != nil {
		d.CanEdit, _ = outbox.MayEditPage(ctx, u.Store, gv.Group, p, s.Actor.ID)
		d.CanLock, _ = outbox.IsAnimator(ctx, u.Store, gv.Group, s.Actor.ID)
		props, _ := u.Store.PageProposals(ctx, p.ID)
		for _, pp := range props {
			if pp.AuthorID == s.Actor.ID {
				d.Proposals = append(d.Proposals, pp)
			}
		}
	}
	for _, n := range d.Tree {
		if n.ID != p.ID {
			d.Parents = append(d.Parents, n)
		}
	}
	return nil
}

// page shows a page.
func (u *UI) page(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.pages", "groups")
	_, _, ok := u.shownPage(w, r, v)
	if !ok {
		return
	}
	v.Form = url.Values{"sent": {r.URL.Query().Get("sent")}}
	u.render(w, http.StatusOK, "page", v)
}

// newPageForm shows the form of a new page (?title= from a link to a
// missing page, ?template= to start from a template).
func (u *UI) newPageForm(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.new_page", "groups")
	_, d, ok := u.wikiGroup(w, r, v)
	if !ok {
		return
	}
	q := r.URL.Query()
	v.Form = url.Values{"title": {q.Get("title")}, "parent_id": {q.Get("parent")}}
	if tid, err := strconv.ParseInt(q.Get("template"), 10, 64); err == nil {
		for _, t := range d.Templates {
			if t.ID == tid {
				v.Form.Set("body", t.Body)
			}
		}
	}
	d.Parents = d.Tree
	u.render(w, http.StatusOK, "page_edit", v)
}

// formParent reads the parent field of a page form ("" for none).
func formParent(r *http.Request) *int64 {
	id, err := strconv.ParseInt(r.PostFormValue("parent_id"), 10, 64)
	if err != nil {
		return nil
	}
	return &id
}

// createPage creates a page from the form.
func (u *UI) createPage(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.new_page", "groups")
	gv, d, ok := u.wikiGroup(w, r, v)
	if !ok {
		return
	}
	s := sessionOf(r)
	p, err := u.Outbox.CreatePage(r.Context(), s.Actor, gv.ID, outbox.NewPage{Title: r.PostFormValue("title"),
		Body: r.PostFormValue("body"), ParentID: formParent(r), Template: r.PostFormValue("template") == "on"})
	if err != nil {
		v.Form = r.PostForm
		d.Parents = d.Tree
		u.refuseForm(w, r, v, "page_edit", err)
		return
	}
	http.Redirect(w, r, u.pageURL(gv, p.ID), http.StatusSeeOther)
}

// editPageForm shows the edit form of a page, from its current version.
func (u *UI) editPageForm(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.edit_page", "groups")
	d, p, ok := u.shownPage(w, r, v)
	if !ok {
		return
	}
	parent := ""
	if p.ParentID != nil {
		parent = strconv.FormatInt(*p.ParentID, 10)
	}
	v.Form = url.Values{"title": {p.Name}, "body": {p.Body}, "base_version": {strconv.Itoa(p.Version)}, "parent_id": {parent}}
	if p.Locked {
		v.Form.Set("locked", "on")
	}
	// A conflict of an edit made here on a remote group's page is merged
	// from the reader's text.
	for _, pp := range d.Proposals {
		if pp.Conflict {
			v.Form.Set("body", pp.Body)
			d.Conflict, d.Diff = true, wiki.Diff(p.Body, pp.Body)
		}
	}
	u.render(w, http.StatusOK, "page_edit", v)
}

// savePage saves the edit form. When another save came in between, the
// form comes back (409) with the reader's text, the current one and the
// diff, and the current version as its new base, to merge.
func (u *UI) savePage(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.edit_page", "groups")
	gv, d, ok := u.wikiGroup(w, r, v)
	if !ok {
		return
	}
	p, err := u.pageOf(r, gv)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	base, _ := strconv.Atoi(r.PostFormValue("base_version"))
	title, body := r.PostFormValue("title"), r.PostFormValue("body")
	locked := r.PostFormValue("locked") == "on"
	e := outbox.PageEdit{Title: &title, Body: &body, BaseVersion: base, SetParent: true, ParentID: formParent(r)}
	if locked != p.Locked {
		e.Locked = &locked
	}
	saved, err := u.Outbox.EditPage(r.Context(), sessionOf(r).Account, p.ID, e)
	var pc *outbox.PageConflict
	switch {
	case errors.As(err, &pc):
		if err := u.withPage(r, d, pc.Current); err != nil {
			u.fail(w, r, err)
			return
		}
		v.Form = r.PostForm
		v.Form.Set("base_version", strconv.Itoa(pc.Current.Version))
		d.Conflict, d.Diff = true, wiki.Diff(pc.Current.Body, body)
		v.Errors = map[string]string{"body": v.T("page.conflict", pc.Current.Version)}
		u.render(w, http.StatusConflict, "page_edit", v)
		return
	case err != nil:
		if err := u.withPage(r, d, p); err != nil {
			u.fail(w, r, err)
			return
		}
		v.Form = r.PostForm
		u.refuseForm(w, r, v, "page_edit", err)
		return
	}
	if !gv.Local {
		http.Redirect(w, r, u.pageURL(gv, saved.ID)+"?sent=1", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, u.pageURL(gv, saved.ID), http.StatusSeeOther)
}

// pageHistory lists a page's versions, with a form to compare two.
func (u *UI) pageHistory(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.history", "groups")
	d, p, ok := u.shownPage(w, r, v)
	if !ok {
		return
	}
	vs, err := u.Store.PageVersions(r.Context(), p.ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	actors := map[int64]*store.Actor{}
	for _, ver := range vs {
		row := versionRow{PageVersion: ver}
		if ver.AuthorID != nil {
			a, seen := actors[*ver.AuthorID]
			if !seen {
				a, _ = u.Store.ActorByID(r.Context(), *ver.AuthorID)
				actors[*ver.AuthorID] = a
			}
			row.By = a
		}
		d.Versions = append(d.Versions, row)
	}
	u.render(w, http.StatusOK, "page_history", v)
}

// pageDiff shows the diff between two versions (?from=&to=).
func (u *UI) pageDiff(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.diff", "groups")
	d, p, ok := u.shownPage(w, r, v)
	if !ok {
		return
	}
	d.From, _ = strconv.Atoi(r.URL.Query().Get("from"))
	d.To, _ = strconv.Atoi(r.URL.Query().Get("to"))
	if d.To == 0 {
		d.To = p.Version
	}
	a, err := u.Store.PageVersionOf(r.Context(), p.ID, d.From)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	b, err := u.Store.PageVersionOf(r.Context(), p.ID, d.To)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Diff = wiki.Diff(a.Body, b.Body)
	u.render(w, http.StatusOK, "page_diff", v)
}

// restorePage saves an old version as the newest.
func (u *UI) restorePage(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p, err := u.pageOf(r, gv)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	n, _ := strconv.Atoi(chi.URLParam(r, "n"))
	if _, err := u.Outbox.RestorePageVersion(r.Context(), sessionOf(r).Account, p.ID, n); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, u.pageURL(gv, p.ID), http.StatusSeeOther)
}

// Tasks.

// taskItem is a task as the board and lists show it.
type taskItem struct {
	*store.Task
	Overdue bool
	Group   *store.Actor
	Moves   []string // the statuses it can move to
}

type tasksData struct {
	G       *groupView
	Columns []taskColumn
	List    []taskItem
	View    string // board or list
	Sort    string // due or assignee
	Members []*store.Membership
	Mine    bool
}

type taskColumn struct {
	Status string
	Tasks  []taskItem
}

var taskStatuses = []string{store.TaskTodo, store.TaskInProgress, store.TaskDone}

func (u *UI) taskItems(ts []*store.Task) []taskItem {
	now := time.Now()
	out := make([]taskItem, 0, len(ts))
	for _, t := range ts {
		it := taskItem{Task: t, Overdue: client.TaskOverdue(t, now)}
		for _, s := range taskStatuses {
			if s != t.Status {
				it.Moves = append(it.Moves, s)
			}
		}
		out = append(out, it)
	}
	return out
}

// tasks shows a group's tasks: a board by status, or a list by due date or
// assignee (?view=list&sort=assignee).
func (u *UI) tasks(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	gv.Tab = "tasks"
	v := u.newView(r, "title.tasks", "groups")
	d := &tasksData{G: gv, View: r.URL.Query().Get("view"), Sort: r.URL.Query().Get("sort")}
	v.Data = d
	if !gv.CanRead {
		u.render(w, http.StatusForbidden, "tasks", v)
		return
	}
	ts, err := u.Store.Tasks(r.Context(), store.TaskQuery{GroupID: gv.ID})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.fillTasks(d, ts)
	if gv.CanPost {
		d.Members, _ = u.Store.Members(r.Context(), gv.ID, store.StateAccepted, 0, 200)
	}
	u.render(w, http.StatusOK, "tasks", v)
}

func (u *UI) fillTasks(d *tasksData, ts []*store.Task) {
	items := u.taskItems(ts)
	if d.View != "list" {
		d.View = "board"
		for _, s := range taskStatuses {
			col := taskColumn{Status: s}
			for _, it := range items {
				if it.Status == s {
					col.Tasks = append(col.Tasks, it)
				}
			}
			d.Columns = append(d.Columns, col)
		}
		return
	}
	if d.Sort == "assignee" {
		first := func(it taskItem) string {
			if len(it.Assignees) == 0 {
				return "\uffff"
			}
			return strings.ToLower(it.Assignees[0].Username)
		}
		sort.SliceStable(items, func(i, j int) bool { return first(items[i]) < first(items[j]) })
	} else {
		d.Sort = "due"
	}
	d.List = items
}

// myTasks lists the reader's tasks across every group, here and elsewhere.
func (u *UI) myTasks(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.my_tasks", "tasks")
	s := sessionOf(r)
	ts, err := u.Store.Tasks(r.Context(), store.TaskQuery{MemberID: s.Actor.ID, AssigneeID: s.Actor.ID})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := &tasksData{View: "list", Sort: "due", Mine: true}
	items := u.taskItems(ts)
	for i := range items {
		if items[i].GroupID != nil {
			items[i].Group, _ = u.Store.ActorByID(r.Context(), *items[i].GroupID)
		}
	}
	d.List = items
	v.Data = d
	u.render(w, http.StatusOK, "tasks", v)
}

// createTask adds a task from the board's form.
func (u *UI) createTask(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f := r.PostForm
	title, desc, due, status := f.Get("title"), f.Get("description"), f.Get("due_date"), f.Get("status")
	if status == "" {
		status = store.TaskTodo
	}
	var ids []int64
	for _, s := range f["assignee_ids"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	var labels []string
	for _, l := range strings.Split(f.Get("labels"), ",") {
		if l = strings.TrimSpace(l); l != "" {
			labels = append(labels, l)
		}
	}
	_, err = u.Outbox.CreateTask(r.Context(), sessionOf(r).Actor, gv.ID, outbox.TaskFields{Title: &title, Description: &desc,
		DueDate: &due, Status: &status, AssigneeIDs: &ids, Labels: &labels})
	if err != nil {
		gv.Tab = "tasks"
		v := u.newView(r, "title.tasks", "groups")
		d := &tasksData{G: gv}
		ts, _ := u.Store.Tasks(r.Context(), store.TaskQuery{GroupID: gv.ID})
		u.fillTasks(d, ts)
		d.Members, _ = u.Store.Members(r.Context(), gv.ID, store.StateAccepted, 0, 200)
		v.Data, v.Form = d, f
		u.refuseForm(w, r, v, "tasks", err)
		return
	}
	http.Redirect(w, r, groupURL(gv.Actor)+"/tasks", http.StatusSeeOther)
}

// moveTask changes a task's status (a card moved on the board).
func (u *UI) moveTask(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	t, err := u.Store.TaskByObjectID(r.Context(), id)
	if err != nil || t.GroupID == nil || *t.GroupID != gv.ID {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	status := r.PostFormValue("status")
	if _, err := u.Outbox.UpdateTask(r.Context(), sessionOf(r).Account, id, outbox.TaskFields{Status: &status}); err != nil {
		u.fail(w, r, err)
		return
	}
	back := groupURL(gv.Actor) + "/tasks"
	if r.PostFormValue("back") == "mine" {
		back = "/tasks"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
