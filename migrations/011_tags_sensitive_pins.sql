-- Hashtags of posts, local and remote: the post and the tag's normalised
-- name (store.NormaliseTag), so that a post keeps its Hashtag tags and a
-- tag's timeline is one index range.
create table object_tags (
  object_id bigint not null references objects(id) on delete cascade,
  name      text not null check (name <> '' and length(name) <= 100),
  primary key (object_id, name)
);
create index object_tags_name on object_tags (name, object_id desc);

-- A post its author marked sensitive (Mastodon's "sensitive": media and
-- text hidden behind a warning).
alter table objects add column sensitive boolean not null default false;

-- Posts people pinned to their profile: Mastodon's "featured" collection,
-- which GoToSocial and Mastodon fetch with every actor.
create table pins (
  actor_id   bigint not null references actors(id) on delete cascade,
  object_id  bigint not null references objects(id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (actor_id, object_id)
);
