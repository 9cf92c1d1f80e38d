-- What Mastodon's Status entity shows beyond the post: its language,
-- bookmarks, the earlier versions of edited posts, and an id for each like
-- so that /api/v1/favourites pages like Mastodon's.
alter table objects add column language text not null default '';

create table bookmarks (
  id         bigserial primary key,
  actor_id   bigint not null references actors(id) on delete cascade,
  object_id  bigint not null references objects(id) on delete cascade,
  created_at timestamptz not null default now(),
  unique (actor_id, object_id)
);
create index bookmarks_actor on bookmarks (actor_id, id desc);

-- One row per earlier version of a post, written when it is edited.
create table status_edits (
  id          bigserial primary key,
  object_id   bigint not null references objects(id) on delete cascade,
  content     text not null,
  summary     text not null,
  sensitive   boolean not null,
  created_at  timestamptz not null
);
create index status_edits_object on status_edits (object_id, id);

alter table likes add column id bigserial;
create unique index likes_id on likes (id);
create index likes_actor on likes (actor_id, id desc);
create index likes_object on likes (object_id, id desc);
