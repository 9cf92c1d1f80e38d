-- A group's knowledge base and task lists. Pages and tasks are objects
-- (uri, group, author, title as name, rendered HTML as content, so the
-- French full-text index and deletions work for them as for posts), with
-- the rows below for what only they have. objects.type is 'WikiPage' or
-- 'Task' here; they federate as Article and Ticket.

-- Who may edit a group's pages: every member, or only its animators.
alter table groups add column page_editors text not null default 'members'
  check (page_editors in ('members', 'animators'));

create table wiki_pages (
  object_id  bigint primary key references objects(id) on delete cascade,
  parent_id  bigint references objects(id) on delete set null check (parent_id <> object_id),
  version    int not null default 1 check (version >= 1),
  body       text not null default '',
  -- locked by an animator: only animators edit it
  locked     boolean not null default false,
  -- offered as a model when a page is created
  template   boolean not null default false
);
create index wiki_pages_parent on wiki_pages (parent_id) where parent_id is not null;

-- Every save of a page, with its author and time.
create table page_versions (
  object_id  bigint not null references objects(id) on delete cascade,
  version    int not null check (version >= 1),
  title      text not null,
  body       text not null,
  author_id  bigint references actors(id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (object_id, version)
);

-- An edit made on a member node of a page of a remote group waits here
-- until the group announces it; when the group announces another edit of
-- the same version first, it stays as a conflict for its author to merge.
create table page_proposals (
  id           bigserial primary key,
  object_id    bigint not null references objects(id) on delete cascade,
  author_id    bigint not null references actors(id) on delete cascade,
  base_version int not null,
  title        text not null,
  body         text not null,
  activity_uri text not null default '',
  conflict     boolean not null default false,
  created_at   timestamptz not null default now()
);
create index page_proposals_page on page_proposals (object_id);

create table tasks (
  object_id  bigint primary key references objects(id) on delete cascade,
  status     text not null default 'todo' check (status in ('todo', 'in_progress', 'done')),
  due_date   date,
  labels     text[] not null default '{}',
  -- [{"text": "...", "done": false}, ...]
  checklist  jsonb not null default '[]',
  body       text not null default ''
);
create index tasks_due on tasks (due_date) where due_date is not null;

create table task_assignees (
  task_id  bigint not null references objects(id) on delete cascade,
  actor_id bigint not null references actors(id) on delete cascade,
  primary key (task_id, actor_id)
);
create index task_assignees_actor on task_assignees (actor_id);
