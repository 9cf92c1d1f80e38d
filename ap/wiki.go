package ap

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// PagesCollection is the context of a group's pages; TasksCollection of its
// tasks.
func (l Links) PagesCollection(group string) string { return group + "/pages" }

// TasksCollection is the context of a group's tasks.
func (l Links) TasksCollection(group string) string { return group + "/tasks" }

// PageURI is the id of a local page.
func (l Links) PageURI(id int64) string { return l.Base + "/pages/" + strconv.FormatInt(id, 10) }

// TaskURI is the id of a local task.
func (l Links) TaskURI(id int64) string { return l.Base + "/tasks/" + strconv.FormatInt(id, 10) }

// markdownSource is AS2's source, as Mastodon and Lemmy write it.
type markdownSource struct {
	Content   string `json:"content"`
	MediaType string `json:"mediaType"`
}

// PageDocument renders a version of a page as an Article: name, content
// (the HTML), source (the Markdown), attributedTo its creator and the group
// (the page is the group's, and peers check that a Create is its actor's
// own; who wrote each version is the actor of its activity), context the
// group's pages collection, and the version number. Software
// that knows no wiki sees an article with a title and a link.
func PageDocument(p *store.WikiPage, creator, group *store.Actor, parentURI string, public bool) (json.RawMessage, error) {
	to := []string{group.URI}
	if public {
		to = append(to, string(vocab.PublicNS))
	}
	doc := map[string]any{
		"id":           p.URI,
		"type":         "Article",
		"name":         p.Name,
		"content":      p.Content,
		"source":       markdownSource{Content: p.Body, MediaType: "text/markdown"},
		"attributedTo": []string{creator.URI, group.URI},
		"context":      group.URI + "/pages",
		"audience":     group.URI,
		"to":           to,
		"url":          p.URI,
		"version":      p.Version,
		"published":    p.Published.UTC().Format(time.RFC3339),
		"locked":       p.Locked,
		"template":     p.Template,
	}
	if p.Updated != nil {
		doc["updated"] = p.Updated.UTC().Format(time.RFC3339)
	}
	if parentURI != "" {
		doc["parent"] = parentURI
	}
	return json.Marshal(doc)
}

// RemotePage is what a peer's Article of a group's pages says.
type RemotePage struct {
	URI, Title, Body, HTML, Group, Creator, Parent string
	Version                                        int
	Locked, Template                               bool
	Published                                      time.Time
	Updated                                        *time.Time
}

// ParsePage reads an Article of a group's pages; ok is false for an
// Article that is no wiki page (a plain article of other software).
func ParsePage(raw []byte) (rp *RemotePage, ok bool, err error) {
	var doc struct {
		ID           string          `json:"id"`
		Type         json.RawMessage `json:"type"`
		Name         string          `json:"name"`
		Content      string          `json:"content"`
		Source       *markdownSource `json:"source"`
		AttributedTo json.RawMessage `json:"attributedTo"`
		Context      json.RawMessage `json:"context"`
		Parent       json.RawMessage `json:"parent"`
		Version      *int            `json:"version"`
		Locked       bool            `json:"locked"`
		Template     bool            `json:"template"`
		Published    string          `json:"published"`
		Updated      string          `json:"updated"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, false, fmt.Errorf("page: %w", err)
	}
	group, isPages := strings.CutSuffix(refOf(doc.Context), "/pages")
	if !hasType(doc.Type, "Article") || doc.Version == nil || !isPages || group == "" {
		return nil, false, nil
	}
	var creator string
	var attributed flexList[json.RawMessage]
	_ = json.Unmarshal(doc.AttributedTo, &attributed)
	for _, a := range attributed {
		if ref := refOf(a); ref != group && creator == "" {
			creator = ref
		}
	}
	if *doc.Version < 1 {
		return nil, true, fmt.Errorf("page: version %d", *doc.Version)
	}
	if doc.Source == nil || doc.Source.MediaType != "text/markdown" {
		return nil, true, fmt.Errorf("page: no Markdown source")
	}
	rp = &RemotePage{URI: doc.ID, Title: markup.Text(doc.Name), Body: doc.Source.Content, HTML: doc.Content, Group: group,
		Creator: creator, Parent: refOf(doc.Parent), Version: *doc.Version, Locked: doc.Locked, Template: doc.Template}
	rp.Published, _ = time.Parse(time.RFC3339, doc.Published)
	if t, err := time.Parse(time.RFC3339, doc.Updated); err == nil {
		rp.Updated = &t
	}
	return rp, true, nil
}

// TaskDocument renders a task as ForgeFed's Ticket (what forges federate
// issues with), so that software that knows neither sees an object it may
// ignore: name, content and source as for a page, attributedTo its author,
// context the group's tasks collection, isResolved when done and assignedTo
// its assignees (ForgeFed names one; we list them all), plus status, due
// date, labels and checklist as Archipel terms.
func TaskDocument(t *store.Task, group *store.Actor) (json.RawMessage, error) {
	assigned := make([]string, 0, len(t.Assignees))
	for _, a := range t.Assignees {
		assigned = append(assigned, a.URI)
	}
	author := ""
	if t.Author != nil {
		author = t.Author.URI
	}
	doc := map[string]any{
		"id":           t.URI,
		"type":         "Ticket",
		"name":         t.Name,
		"content":      t.Content,
		"source":       markdownSource{Content: t.Body, MediaType: "text/markdown"},
		"attributedTo": author,
		"context":      group.URI + "/tasks",
		"audience":     group.URI,
		"to":           []string{group.URI},
		"isResolved":   t.Status == store.TaskDone,
		"assignedTo":   assigned,
		"status":       t.Status,
		"labels":       t.Labels,
		"checklist":    t.Checklist,
		"published":    t.Published.UTC().Format(time.RFC3339),
	}
	if t.Updated != nil {
		doc["updated"] = t.Updated.UTC().Format(time.RFC3339)
	}
	if t.DueDate != nil {
		doc["dueDate"] = t.DueDate.Format(time.DateOnly)
	}
	return json.Marshal(doc)
}

// RemoteTask is what a peer's Ticket says.
type RemoteTask struct {
	URI, Title, Body, HTML, Group, AttributedTo, Status string
	Assignees                                           []string
	DueDate                                             *time.Time
	Labels                                              []string
	Checklist                                           []store.ChecklistItem
	Published                                           time.Time
	Updated                                             *time.Time
}

// ParseTask reads a Ticket of a group's tasks.
func ParseTask(raw []byte) (*RemoteTask, error) {
	var doc struct {
		ID           string                    `json:"id"`
		Type         json.RawMessage           `json:"type"`
		Name         string                    `json:"name"`
		Content      string                    `json:"content"`
		Source       *markdownSource           `json:"source"`
		AttributedTo json.RawMessage           `json:"attributedTo"`
		Context      json.RawMessage           `json:"context"`
		IsResolved   bool                      `json:"isResolved"`
		AssignedTo   flexList[json.RawMessage] `json:"assignedTo"`
		Status       string                    `json:"status"`
		DueDate      string                    `json:"dueDate"`
		Labels       []string                  `json:"labels"`
		Checklist    []store.ChecklistItem     `json:"checklist"`
		Published    string                    `json:"published"`
		Updated      string                    `json:"updated"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("task: %w", err)
	}
	if !hasType(doc.Type, "Ticket") {
		return nil, fmt.Errorf("task: type is not Ticket")
	}
	ctx := refOf(doc.Context)
	if len(ctx) <= len("/tasks") || ctx[len(ctx)-len("/tasks"):] != "/tasks" {
		return nil, fmt.Errorf("task: context %q is not a group's tasks", ctx)
	}
	rt := &RemoteTask{URI: doc.ID, Title: markup.Text(doc.Name), HTML: doc.Content, Group: ctx[:len(ctx)-len("/tasks")],
		AttributedTo: refOf(doc.AttributedTo), Status: doc.Status, Labels: doc.Labels, Checklist: doc.Checklist}
	if doc.Source != nil {
		rt.Body = doc.Source.Content
	}
	// A forge that knows only isResolved says done or not.
	if rt.Status == "" {
		rt.Status = store.TaskTodo
		if doc.IsResolved {
			rt.Status = store.TaskDone
		}
	}
	for _, a := range doc.AssignedTo {
		if ref := refOf(a); ref != "" {
			rt.Assignees = append(rt.Assignees, ref)
		}
	}
	if doc.DueDate != "" {
		d, err := time.Parse(time.DateOnly, doc.DueDate)
		if err != nil {
			return nil, fmt.Errorf("task: due date %q", doc.DueDate)
		}
		rt.DueDate = &d
	}
	rt.Published, _ = time.Parse(time.RFC3339, doc.Published)
	if t, err := time.Parse(time.RFC3339, doc.Updated); err == nil {
		rt.Updated = &t
	}
	return rt, nil
}
