-- Animators' tools (issue 19): a group's welcome message for its new
-- members, the announcements its animators send, and the node's one
-- animators' network group.
create table group_welcome (
  group_id    bigint primary key references actors(id) on delete cascade,
  body        text not null,
  updated_by  bigint references actors(id) on delete set null,
  updated_at  timestamptz not null default now()
);

create table group_announcements (
  id          bigserial primary key,
  group_id    bigint not null references actors(id) on delete cascade,
  author_id   bigint references actors(id) on delete set null,
  body        text not null,
  recipients  integer not null,
  created_at  timestamptz not null default now()
);
create index group_announcements_group on group_announcements (group_id, created_at desc);

-- The animators' network: one row at most (only_one is always true).
create table animators_network (
  only_one  boolean primary key default true check (only_one),
  group_id  bigint not null unique references actors(id) on delete cascade
);

-- Skills detection: the suggestions an agent dismissed never come back.
create table skill_dismissals (
  actor_id  bigint not null references actors(id) on delete cascade,
  folded    text not null,
  created_at timestamptz not null default now(),
  primary key (actor_id, folded)
);
