-- Mastodon apps as clients, accounts part: blocks, mutes, per-person domain
-- blocks, account preferences, lists and conversations.

-- blocks: actor_id blocks target_id. A local person's block (sent to a
-- remote target as Block), or a peer's Block of one of our people.
create table blocks (
  actor_id     bigint not null references actors(id) on delete cascade,
  target_id    bigint not null references actors(id) on delete cascade,
  activity_uri text not null default '',
  created_at   timestamptz not null default now(),
  id           bigserial not null unique,
  primary key (actor_id, target_id),
  check (actor_id <> target_id)
);
create index blocks_target on blocks (target_id);

-- mutes: a person hides another's posts from their timelines (and their
-- notifications when notifications is set), until expires_at if set.
create table mutes (
  actor_id      bigint not null references actors(id) on delete cascade,
  target_id     bigint not null references actors(id) on delete cascade,
  notifications boolean not null default true,
  expires_at    timestamptz,
  created_at    timestamptz not null default now(),
  id            bigserial not null unique,
  primary key (actor_id, target_id),
  check (actor_id <> target_id)
);

-- account_domain_blocks: a person hides a whole node (Mastodon's
-- /api/v1/domain_blocks), domain lower-cased.
create table account_domain_blocks (
  actor_id   bigint not null references actors(id) on delete cascade,
  domain     text not null check (domain <> '' and domain = lower(domain)),
  created_at timestamptz not null default now(),
  id         bigserial not null unique,
  primary key (actor_id, domain)
);

-- account_preferences: what update_credentials sets beyond the profile
-- (Mastodon's source[privacy|sensitive|language], discoverable,
-- hide_collections, indexable). No row: the defaults.
create table account_preferences (
  actor_id           bigint primary key references actors(id) on delete cascade,
  default_visibility text not null default 'public' check (default_visibility in ('public', 'unlisted', 'private', 'direct')),
  default_sensitive  boolean not null default false,
  default_language   text not null default '',
  discoverable       boolean not null default true,
  hide_collections   boolean not null default false,
  indexable          boolean not null default true
);

-- follows.show_reblogs is Mastodon's reblogs option of a follow.
alter table follows add column show_reblogs boolean not null default true;

-- lists: a person's named sets of accounts, each with its timeline.
create table lists (
  id             bigserial primary key,
  owner_id       bigint not null references actors(id) on delete cascade,
  title          text not null check (length(title) between 1 and 200),
  replies_policy text not null default 'list' check (replies_policy in ('followed', 'list', 'none')),
  exclusive      boolean not null default false,
  created_at     timestamptz not null default now()
);
create index lists_owner on lists (owner_id);

create table list_accounts (
  list_id    bigint not null references lists(id) on delete cascade,
  account_id bigint not null references actors(id) on delete cascade,
  id         bigserial not null unique,
  primary key (list_id, account_id)
);
create index list_accounts_account on list_accounts (account_id);

-- conversation_states: a person's view of a direct thread (its root post's
-- URI): read or not, or removed from their list.
create table conversation_states (
  actor_id   bigint not null references actors(id) on delete cascade,
  root_uri   text not null,
  unread     boolean not null default true,
  hidden     boolean not null default false,
  updated_at timestamptz not null default now(),
  primary key (actor_id, root_uri)
);
