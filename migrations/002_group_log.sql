-- What happened in a group (joins, approvals, removals, role changes), for
-- the animators' log and the members' notifications.
create table group_events (
  id          bigserial primary key,
  group_id    bigint not null references actors(id) on delete cascade,
  member_id   bigint not null references actors(id) on delete cascade,
  by_id       bigint references actors(id) on delete set null,
  kind        text not null,
  created_at  timestamptz not null default now()
);
create index group_events_group on group_events (group_id, id desc);
create index group_events_member on group_events (member_id, id desc);
create index memberships_activity on memberships (activity_uri) where activity_uri <> '';
