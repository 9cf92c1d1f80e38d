package client

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// taskJSON is a task of a group.
type taskJSON struct {
	ID          string                `json:"id"`
	URI         string                `json:"uri"`
	URL         string                `json:"url"`
	GroupID     string                `json:"group_id"`
	Title       string                `json:"title"`
	Description string                `json:"description"`
	HTML        string                `json:"html"`
	Status      string                `json:"status"`
	DueDate     *string               `json:"due_date"`
	Overdue     bool                  `json:"overdue"`
	Labels      []string              `json:"labels"`
	Checklist   []store.ChecklistItem `json:"checklist"`
	Assignees   []accountJSON         `json:"assignees"`
	Account     accountJSON           `json:"account"`
	CreatedAt   time.Time             `json:"created_at"`
	UpdatedAt   *time.Time            `json:"updated_at"`
}

// TaskOverdue tells whether a task not done is past its due date (the
// whole due day counts, in the node's zone).
func TaskOverdue(t *store.Task, now time.Time) bool {
	if t.DueDate == nil || t.Status == store.TaskDone {
		return false
	}
	y, m, d := now.Date()
	return t.DueDate.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

func (api *API) taskEntities(r *http.Request, ts []*store.Task) []taskJSON {
	actors := map[int64]*store.Actor{}
	for _, t := range ts {
		if t.Author != nil {
			actors[t.Author.ID] = t.Author
		}
		for _, a := range t.Assignees {
			actors[a.ID] = a
		}
	}
	accounts := api.accountEntities(r.Context(), actors)
	now := time.Now()
	out := make([]taskJSON, 0, len(ts))
	for _, t := range ts {
		e := taskJSON{ID: idString(t.ID), URI: t.URI, URL: t.URL, Title: t.Name, Description: t.Body, HTML: t.Content,
			Status: t.Status, Overdue: TaskOverdue(t, now), Labels: t.Labels, Checklist: t.Checklist,
			Assignees: []accountJSON{}, CreatedAt: t.Published.UTC(), UpdatedAt: t.Updated}
		if t.GroupID != nil {
			e.GroupID = idString(*t.GroupID)
		}
		if t.DueDate != nil {
			d := t.DueDate.Format(time.DateOnly)
			e.DueDate = &d
		}
		if t.Author != nil {
			e.Account = accounts[t.Author.ID]
		}
		for _, a := range t.Assignees {
			e.Assignees = append(e.Assignees, accounts[a.ID])
		}
		out = append(out, e)
	}
	return out
}

// taskInput is the JSON of a task's creation or change; absent fields are
// left as they are.
type taskInput struct {
	Title       *string                `json:"title"`
	Description *string                `json:"description"`
	AssigneeIDs *[]json.RawMessage     `json:"assignee_ids"`
	DueDate     *string                `json:"due_date"`
	Status      *string                `json:"status"`
	Labels      *[]string              `json:"labels"`
	Checklist   *[]store.ChecklistItem `json:"checklist"`
}

func (in *taskInput) fields() (outbox.TaskFields, error) {
	f := outbox.TaskFields{Title: in.Title, Description: in.Description, DueDate: in.DueDate, Status: in.Status,
		Labels: in.Labels, Checklist: in.Checklist}
	if in.AssigneeIDs != nil {
		ids := make([]int64, 0, len(*in.AssigneeIDs))
		for _, raw := range *in.AssigneeIDs {
			_, id, err := optionalID("assignee_ids", raw)
			if err != nil || id == nil {
				return f, respond.InvalidField("assignee_ids", "a list of account ids")
			}
			ids = append(ids, *id)
		}
		f.AssigneeIDs = &ids
	}
	return f, nil
}

func decodeTask(w http.ResponseWriter, r *http.Request) (outbox.TaskFields, error) {
	var in taskInput
	if err := respond.DecodeWithin(w, r, &in, maxPageRequest); err != nil {
		return outbox.TaskFields{}, err
	}
	return in.fields()
}

func (api *API) apiCreateTask(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	f, err := decodeTask(w, r)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	t, err := api.Outbox.CreateTask(r.Context(), me, g.ID, f)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.taskEntities(r, []*store.Task{t})[0])
}

// taskQuery reads ?status= and ?assignee_id= (an account id, or "me").
func taskQuery(w http.ResponseWriter, r *http.Request) (store.TaskQuery, bool) {
	var q store.TaskQuery
	q.Status = r.URL.Query().Get("status")
	if q.Status != "" && !store.IsTaskStatus(q.Status) {
		respond.Fail(w, respond.InvalidField("status", "one of todo, in_progress, done"))
		return q, false
	}
	switch s := r.URL.Query().Get("assignee_id"); s {
	case "":
	case "me":
		if auth.Account(r) == nil {
			respond.Error(w, http.StatusUnauthorized, "assignee_id=me needs a token")
			return q, false
		}
		q.AssigneeID = auth.Account(r).ActorID
	default:
		id, ok := respond.ParseID(s)
		if !ok {
			respond.Fail(w, respond.InvalidField("assignee_id", "an account id or me"))
			return q, false
		}
		q.AssigneeID = id
	}
	return q, true
}

func (api *API) apiGroupTasks(w http.ResponseWriter, r *http.Request) {
	gv, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	g, ok := api.readableGroup(w, r, gv.ID)
	if !ok {
		return
	}
	q, ok := taskQuery(w, r)
	if !ok {
		return
	}
	q.GroupID = g.ID
	api.writeTasks(w, r, q)
}

// apiMyTasks lists tasks across every group the caller belongs to, here or
// on other nodes (?assignee_id=me for the caller's own).
func (api *API) apiMyTasks(w http.ResponseWriter, r *http.Request) {
	q, ok := taskQuery(w, r)
	if !ok {
		return
	}
	q.MemberID = auth.Account(r).ActorID
	api.writeTasks(w, r, q)
}

func (api *API) writeTasks(w http.ResponseWriter, r *http.Request, q store.TaskQuery) {
	ts, err := api.Store.Tasks(r.Context(), q)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.taskEntities(r, ts))
}

func (api *API) taskForViewer(w http.ResponseWriter, r *http.Request) (*store.Task, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "not found")
		return nil, false
	}
	t, err := api.Store.TaskByObjectID(r.Context(), id)
	if err == nil && (t.DeletedAt != nil || t.GroupID == nil) {
		err = store.ErrNotFound
	}
	if err != nil {
		respond.Fail(w, err)
		return nil, false
	}
	_, ok = api.readableGroup(w, r, *t.GroupID)
	return t, ok
}

func (api *API) apiTask(w http.ResponseWriter, r *http.Request) {
	if t, ok := api.taskForViewer(w, r); ok {
		respond.JSON(w, http.StatusOK, api.taskEntities(r, []*store.Task{t})[0])
	}
}

func (api *API) apiUpdateTask(w http.ResponseWriter, r *http.Request) {
	t, ok := api.taskForViewer(w, r)
	if !ok {
		return
	}
	f, err := decodeTask(w, r)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	saved, err := api.Outbox.UpdateTask(r.Context(), auth.Account(r), t.ID, f)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.taskEntities(r, []*store.Task{saved})[0])
}

func (api *API) apiDeleteTask(w http.ResponseWriter, r *http.Request) {
	t, ok := api.taskForViewer(w, r)
	if !ok {
		return
	}
	if err := api.Outbox.DeleteTask(r.Context(), auth.Account(r), t.ID); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{})
}
