-- Hashtags people follow (their public posts show in the home timeline),
-- and an index for finding hashtags by prefix in search.
create table followed_tags (
  id         bigserial primary key,
  actor_id   bigint not null references actors(id) on delete cascade,
  name       text not null,
  created_at timestamptz not null default now(),
  unique (actor_id, name)
);

create index object_tags_name_pattern on object_tags (name text_pattern_ops);
