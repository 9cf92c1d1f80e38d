package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Object types of a group's knowledge base and task lists (they federate as
// Article and Ticket).
const (
	TypeWikiPage = "WikiPage"
	TypeTask     = "Task"
)

// Who may edit a group's pages.
const (
	PageEditorsMembers   = "members"
	PageEditorsAnimators = "animators"
)

// WikiPage is a page of a group's knowledge base: its object row (title as
// Name, rendered HTML as Content, group, creator) plus its Markdown and
// place in the tree.
type WikiPage struct {
	*Object
	ParentID *int64
	Version  int
	Body     string
	Locked   bool
	Template bool
}

// PageVersion is one save of a page.
type PageVersion struct {
	ObjectID  int64
	Version   int
	Title     string
	Body      string
	AuthorID  *int64
	CreatedAt time.Time
}

// PageProposal is an edit, made here, of a page of a remote group, waiting
// for the group; Conflict when the group took another edit of its base
// version first.
type PageProposal struct {
	ID          int64
	ObjectID    int64
	AuthorID    int64
	BaseVersion int
	Title       string
	Body        string
	ActivityURI string
	Conflict    bool
	CreatedAt   time.Time
}

// CreatePage adds the page row and version 1 of an object just created.
func (s *Store) CreatePage(ctx context.Context, p *WikiPage, authorID int64) error {
	if p.Version < 1 {
		p.Version = 1
	}
	if _, err := s.db.Exec(ctx, `insert into wiki_pages (object_id, parent_id, version, body, locked, template)
		values ($1,$2,$3,$4,$5,$6) on conflict (object_id) do nothing`,
		p.ID, p.ParentID, p.Version, p.Body, p.Locked, p.Template); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `insert into page_versions (object_id, version, title, body, author_id, created_at)
		values ($1,$2,$3,$4,$5,$6) on conflict do nothing`, p.ID, p.Version, p.Name, p.Body, authorID, p.Published)
	return err
}

// SavePage records a new version of a page when its current version is
// still base (the optimistic check of concurrent edits); false when another
// save came in between, and then nothing is written.
func (s *Store) SavePage(ctx context.Context, p *WikiPage, base int, authorID int64, at time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `update wiki_pages set version = version + 1, body = $3 where object_id = $1 and version = $2`,
		p.ID, base, p.Body)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	p.Version = base + 1
	if _, err := s.db.Exec(ctx, `insert into page_versions (object_id, version, title, body, author_id, created_at)
		values ($1,$2,$3,$4,$5,$6)`, p.ID, p.Version, p.Name, p.Body, authorID, at); err != nil {
		return false, err
	}
	_, err = s.db.Exec(ctx, `update objects set name = $2, content = $3, updated = $4 where id = $1`, p.ID, p.Name, p.Content, at)
	return true, err
}

// PutPageVersion writes a version its group announced: the group is the
// authority, so its text of that version replaces whatever this node had,
// and it becomes current unless a newer one is here already.
func (s *Store) PutPageVersion(ctx context.Context, p *WikiPage, authorID int64, at time.Time) error {
	if _, err := s.db.Exec(ctx, `insert into page_versions (object_id, version, title, body, author_id, created_at)
		values ($1,$2,$3,$4,$5,$6) on conflict (object_id, version) do update
		set title = excluded.title, body = excluded.body, author_id = excluded.author_id, created_at = excluded.created_at`,
		p.ID, p.Version, p.Name, p.Body, authorID, at); err != nil {
		return err
	}
	tag, err := s.db.Exec(ctx, `update wiki_pages set version = $2, body = $3 where object_id = $1 and version <= $2`,
		p.ID, p.Version, p.Body)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	_, err = s.db.Exec(ctx, `update objects set name = $2, content = $3, updated = $4 where id = $1`, p.ID, p.Name, p.Content, at)
	return err
}

// SetPageTree moves a page under another (nil: at the top) and sets its
// flags.
func (s *Store) SetPageTree(ctx context.Context, id int64, parentID *int64, locked, template bool) error {
	_, err := s.db.Exec(ctx, `update wiki_pages set parent_id = $2, locked = $3, template = $4 where object_id = $1`,
		id, parentID, locked, template)
	return err
}

// PageWouldCycle tells whether putting page id under parentID would make
// the tree a loop (parentID is id or one of its descendants).
func (s *Store) PageWouldCycle(ctx context.Context, id, parentID int64) (bool, error) {
	var cycle bool
	err := s.db.QueryRow(ctx, `with recursive up(id, depth) as (
		  select $2::bigint, 0
		  union all
		  select w.parent_id, up.depth + 1 from wiki_pages w join up on w.object_id = up.id
		  where w.parent_id is not null and up.depth < 1000)
		select exists (select 1 from up where id = $1)`, id, parentID).Scan(&cycle)
	return cycle, err
}

const pageColumns = `w.parent_id, w.version, w.body, w.locked, w.template`

// PageByObjectID loads a page.
func (s *Store) PageByObjectID(ctx context.Context, id int64) (*WikiPage, error) {
	return s.pageWhere(ctx, `o.id = $1`, id)
}

// PageByURI loads a page by its ActivityPub id.
func (s *Store) PageByURI(ctx context.Context, uri string) (*WikiPage, error) {
	return s.pageWhere(ctx, `o.uri = $1`, uri)
}

func (s *Store) pageWhere(ctx context.Context, where string, args ...any) (*WikiPage, error) {
	pages, err := s.pagesWhere(ctx, where+` limit 1`, args...)
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, ErrNotFound
	}
	return pages[0], nil
}

func (s *Store) pagesWhere(ctx context.Context, where string, args ...any) ([]*WikiPage, error) {
	rows, err := s.db.Query(ctx, `select `+pageColumns+`, `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join wiki_pages w on w.object_id = o.id join actors a on a.id = o.attributed_to
		where o.type = 'WikiPage' and `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*WikiPage
	for rows.Next() {
		p := &WikiPage{}
		o, err := scanObject(rows, &p.ParentID, &p.Version, &p.Body, &p.Locked, &p.Template)
		if err != nil {
			return nil, err
		}
		p.Object = o
		out = append(out, p)
	}
	return out, rows.Err()
}

// GroupPages lists the live pages of a group, by title.
func (s *Store) GroupPages(ctx context.Context, groupID int64) ([]*WikiPage, error) {
	return s.pagesWhere(ctx, `o.group_id = $1 and o.deleted_at is null order by lower(o.name), o.id limit 1000`, groupID)
}

// PageTitles maps the titles of a group's live pages, folded to lower case,
// to their ids: what [[links]] resolve against.
func (s *Store) PageTitles(ctx context.Context, groupID int64) (map[string]int64, error) {
	rows, err := s.db.Query(ctx, `select lower(name), id from objects where type = 'WikiPage' and group_id = $1
		and deleted_at is null`, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var t string
		var id int64
		if err := rows.Scan(&t, &id); err != nil {
			return nil, err
		}
		if _, ok := out[t]; !ok {
			out[t] = id
		}
	}
	return out, rows.Err()
}

// PageVersions lists the versions of a page, newest first.
func (s *Store) PageVersions(ctx context.Context, id int64) ([]PageVersion, error) {
	rows, err := s.db.Query(ctx, `select object_id, version, title, body, author_id, created_at from page_versions
		where object_id = $1 order by version desc`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PageVersion])
}

// PageVersionOf loads one version of a page.
func (s *Store) PageVersionOf(ctx context.Context, id int64, version int) (*PageVersion, error) {
	rows, err := s.db.Query(ctx, `select object_id, version, title, body, author_id, created_at from page_versions
		where object_id = $1 and version = $2`, id, version)
	if err != nil {
		return nil, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[PageVersion])
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &v, nil
}

// GroupPageEditors is who may edit a group's pages.
func (s *Store) GroupPageEditors(ctx context.Context, groupID int64) (string, error) {
	var editors string
	err := s.db.QueryRow(ctx, `select page_editors from groups where actor_id = $1`, groupID).Scan(&editors)
	return editors, notFoundOr(err)
}

// SetGroupPageEditors sets who may edit a group's pages.
func (s *Store) SetGroupPageEditors(ctx context.Context, groupID int64, editors string) error {
	_, err := s.db.Exec(ctx, `update groups set page_editors = $2 where actor_id = $1`, groupID, editors)
	return err
}

// AddPageProposal records an edit waiting for a remote group.
func (s *Store) AddPageProposal(ctx context.Context, p *PageProposal) error {
	return s.db.QueryRow(ctx, `insert into page_proposals (object_id, author_id, base_version, title, body, activity_uri)
		values ($1,$2,$3,$4,$5,$6) returning id, created_at`, p.ObjectID, p.AuthorID, p.BaseVersion, p.Title, p.Body, p.ActivityURI).
		Scan(&p.ID, &p.CreatedAt)
}

// PageProposals lists the edits of a page waiting or in conflict, oldest
// first.
func (s *Store) PageProposals(ctx context.Context, id int64) ([]PageProposal, error) {
	rows, err := s.db.Query(ctx, `select id, object_id, author_id, base_version, title, body, activity_uri, conflict, created_at
		from page_proposals where object_id = $1 order by id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PageProposal])
}

// SettleProposals applies the group's announce of a version to the edits
// waiting here: the one it is (same author, same text) is done; the others
// made on an older version are now conflicts, whose authors are returned.
func (s *Store) SettleProposals(ctx context.Context, pageID int64, version int, authorID int64, title, body string) ([]int64, error) {
	if _, err := s.db.Exec(ctx, `delete from page_proposals where object_id = $1 and author_id = $2 and title = $3 and body = $4
		and base_version = $5 - 1`, pageID, authorID, title, body, version); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `update page_proposals set conflict = true where object_id = $1 and base_version < $2
		and not conflict returning author_id`, pageID, version)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// DropProposals removes an author's proposals of a page (merged, or given
// up).
func (s *Store) DropProposals(ctx context.Context, pageID, authorID int64) error {
	_, err := s.db.Exec(ctx, `delete from page_proposals where object_id = $1 and author_id = $2`, pageID, authorID)
	return err
}
