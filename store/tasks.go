package store

import (
	"context"
	"encoding/json"
	"time"
)

// Task statuses.
const (
	TaskTodo       = "todo"
	TaskInProgress = "in_progress"
	TaskDone       = "done"
)

// IsTaskStatus tells whether s is a known status.
func IsTaskStatus(s string) bool { return s == TaskTodo || s == TaskInProgress || s == TaskDone }

// ChecklistItem is one line of a task's checklist.
type ChecklistItem struct {
	Text string `json:"text"`
	Done bool   `json:"done"`
}

// Task is a task of a group: its object row (title as Name, rendered
// description as Content) plus status, due date, labels, checklist and
// assignees.
type Task struct {
	*Object
	Status    string
	DueDate   *time.Time
	Labels    []string
	Checklist []ChecklistItem
	Body      string // the description's Markdown
	Assignees []*Actor
}

// PutTask writes a task's own row and its assignees (creating or replacing
// them), and its title and description on the object row.
func (s *Store) PutTask(ctx context.Context, t *Task) error {
	if t.Labels == nil {
		t.Labels = []string{}
	}
	if t.Checklist == nil {
		t.Checklist = []ChecklistItem{}
	}
	checklist, err := json.Marshal(t.Checklist)
	if err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `insert into tasks (object_id, status, due_date, labels, checklist, body)
		values ($1,$2,$3,$4,$5,$6) on conflict (object_id) do update set status = excluded.status,
		due_date = excluded.due_date, labels = excluded.labels, checklist = excluded.checklist, body = excluded.body`,
		t.ID, t.Status, t.DueDate, t.Labels, checklist, t.Body); err != nil {
		return err
	}
	ids := make([]int64, 0, len(t.Assignees))
	for _, a := range t.Assignees {
		ids = append(ids, a.ID)
	}
	if _, err := s.db.Exec(ctx, `delete from task_assignees where task_id = $1 and actor_id <> all($2)`, t.ID, ids); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `insert into task_assignees (task_id, actor_id) select $1, unnest($2::bigint[])
		on conflict do nothing`, t.ID, ids); err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `update objects set name = $2, content = $3, updated = $4 where id = $1`, t.ID, t.Name, t.Content, t.Updated)
	return err
}

// SeenInGroup tells whether an actor has an accepted membership of a group
// here or wrote something in it that its group announced: what a member
// node of a remote group knows of who belongs (the group's node, which
// knows its members, checks again).
func (s *Store) SeenInGroup(ctx context.Context, groupID, actorID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from memberships where group_id = $1 and member_id = $2 and state = 'accepted')
		or exists (select 1 from objects where group_id = $1 and attributed_to = $2 and deleted_at is null)
		or exists (select 1 from task_assignees ta join objects o on o.id = ta.task_id where o.group_id = $1 and ta.actor_id = $2)`,
		groupID, actorID).Scan(&ok)
	return ok, err
}

// TaskQuery selects tasks: of one group, or of every group a member
// belongs to; by status and assignee.
type TaskQuery struct {
	GroupID    int64
	MemberID   int64
	Status     string
	AssigneeID int64
	Limit      int
}

// TaskByObjectID loads a task.
func (s *Store) TaskByObjectID(ctx context.Context, id int64) (*Task, error) {
	return s.oneTask(s.tasksWhere(ctx, `o.id = $1`, id))
}

// TaskByURI loads a task by its ActivityPub id.
func (s *Store) TaskByURI(ctx context.Context, uri string) (*Task, error) {
	return s.oneTask(s.tasksWhere(ctx, `o.uri = $1`, uri))
}

func (s *Store) oneTask(ts []*Task, err error) (*Task, error) {
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, ErrNotFound
	}
	return ts[0], nil
}

// Tasks lists live tasks, those due first first, then the newest.
func (s *Store) Tasks(ctx context.Context, q TaskQuery) ([]*Task, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 500
	}
	return s.tasksWhere(ctx, `o.deleted_at is null
		and ($1 = 0 or o.group_id = $1)
		and ($2 = 0 or o.group_id in (select group_id from memberships where member_id = $2 and state = 'accepted'))
		and ($3 = '' or t.status = $3)
		and ($4 = 0 or exists (select 1 from task_assignees ta where ta.task_id = o.id and ta.actor_id = $4))
		order by t.due_date asc nulls last, o.id desc limit $5`, q.GroupID, q.MemberID, q.Status, q.AssigneeID, q.Limit)
}

func (s *Store) tasksWhere(ctx context.Context, where string, args ...any) ([]*Task, error) {
	rows, err := s.db.Query(ctx, `select t.status, t.due_date, t.labels, t.checklist, t.body, `+prefixed("o", objectColumns)+`, `+
		prefixed("a", actorColumns)+` from objects o join tasks t on t.object_id = o.id join actors a on a.id = o.attributed_to
		where o.type = 'Task' and `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Task
	byID := map[int64]*Task{}
	var ids []int64
	for rows.Next() {
		t := &Task{}
		var checklist []byte
		o, err := scanObject(rows, &t.Status, &t.DueDate, &t.Labels, &checklist, &t.Body)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(checklist, &t.Checklist); err != nil {
			return nil, err
		}
		t.Object = o
		out, byID[o.ID], ids = append(out, t), t, append(ids, o.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	// The assignees of the whole list at once.
	arows, err := s.db.Query(ctx, `select ta.task_id, `+prefixed("a", actorColumns)+` from task_assignees ta
		join actors a on a.id = ta.actor_id where ta.task_id = any($1) order by ta.task_id, a.username`, ids)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var taskID int64
		a, err := scanActorAfter(arows, &taskID)
		if err != nil {
			return nil, err
		}
		byID[taskID].Assignees = append(byID[taskID].Assignees, a)
	}
	return out, arows.Err()
}

// SearchHit is one result of a group's search: a post, a document or a page.
type SearchHit struct {
	ObjectID int64
	Type     string
	Name     string
	Excerpt  string
	Rank     float32
}

// SearchGroup is the group's one full-text search (French stemming, accents
// folded) over its posts, documents, pages and tasks, best match first.
func (s *Store) SearchGroup(ctx context.Context, groupID int64, text string, limit int) ([]SearchHit, error) {
	if limit <= 0 || limit > 100 {
		limit = 40
	}
	rows, err := s.db.Query(ctx, `select o.id, o.type, o.name,
		  ts_headline('french', regexp_replace(o.content, '<[^>]*>', ' ', 'g'), websearch_to_tsquery('french', archipel_fold($2)),
		    'MaxFragments=1, MaxWords=20, MinWords=5, StartSel=«, StopSel=»'),
		  ts_rank(o.search, websearch_to_tsquery('french', archipel_fold($2)))
		from objects o where o.group_id = $1 and o.deleted_at is null
		  and o.type in ('Note', 'Article', 'Page', 'Question', 'Document', 'WikiPage', 'Task')
		  and o.search @@ websearch_to_tsquery('french', archipel_fold($2))
		order by 5 desc, o.id desc limit $3`, groupID, text, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SearchHit
	for rows.Next() {
		var h SearchHit
		if err := rows.Scan(&h.ObjectID, &h.Type, &h.Name, &h.Excerpt, &h.Rank); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
