-- Accounts, actors, profiles, skills, units, groups: the node foundation.
create extension if not exists pg_trgm;
create extension if not exists unaccent;

-- unaccent() is only STABLE (it reads a dictionary); indexes need IMMUTABLE.
-- Naming the dictionary explicitly makes the wrapper safe to mark immutable.
create or replace function archipel_fold(t text) returns text
  language sql immutable parallel safe strict
  as $$ select lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;

create table units (
  id         bigserial primary key,
  parent_id  bigint references units(id) on delete restrict,
  name       text not null check (length(name) between 1 and 200),
  kind       text not null default 'service' check (kind in ('region', 'department', 'service', 'other')),
  created_at timestamptz not null default now()
);
create index units_parent on units(parent_id);

-- actors holds every ActivityPub actor this node knows: its own people, groups
-- and instance actor, and remote ones met through federation.
create table actors (
  id               bigserial primary key,
  uri              text not null unique,
  type             text not null,
  username         text not null,
  host             text not null,
  local            boolean not null,
  display_name     text not null default '',
  summary          text not null default '',
  organisation     text not null default '',
  unit_name        text not null default '',
  job_title        text not null default '',
  tier             text not null default '',
  inbox            text not null,
  outbox           text not null default '',
  followers        text not null default '',
  following        text not null default '',
  shared_inbox     text not null default '',
  url              text not null default '',
  public_key_id    text not null default '',
  public_key_pem   text not null default '',
  private_key_pem  text not null default '',
  manually_approves_followers boolean not null default false,
  raw              jsonb,
  fetched_at       timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create unique index actors_handle on actors (lower(username), host);
create index actors_public_key_id on actors (public_key_id) where public_key_id <> '';
create index actors_name_trgm on actors using gin (archipel_fold(display_name || ' ' || username || ' ' || organisation || ' ' || unit_name) gin_trgm_ops);

create table accounts (
  id             bigserial primary key,
  actor_id       bigint not null unique references actors(id) on delete cascade,
  username       text not null,
  email          text not null,
  password_hash  text not null,
  tier           text not null check (tier in ('state', 'public', 'partner')),
  role           text not null default 'member' check (role in ('admin', 'unit-admin', 'member')),
  unit_id        bigint references units(id) on delete set null,
  created_at     timestamptz not null default now()
);
create unique index accounts_username on accounts (lower(username));
create unique index accounts_email on accounts (lower(email));

create table tokens (
  id           bigserial primary key,
  account_id   bigint not null references accounts(id) on delete cascade,
  hash         bytea not null unique,
  name         text not null default '',
  created_at   timestamptz not null default now(),
  last_used_at timestamptz
);

-- tier_rules maps e-mail domains to tiers at sign-up: "gouv.fr" matches that
-- domain exactly, "*.gouv.fr" matches it and every subdomain.
create table tier_rules (
  id         bigserial primary key,
  pattern    text not null unique,
  tier       text not null check (tier in ('state', 'public', 'partner')),
  created_at timestamptz not null default now()
);

create table skills (
  actor_id   bigint not null references actors(id) on delete cascade,
  label      text not null,
  folded     text not null,
  primary key (actor_id, folded)
);
create index skills_folded_trgm on skills using gin (folded gin_trgm_ops);

create table groups (
  actor_id     bigint primary key references actors(id) on delete cascade,
  visibility   text not null default 'public' check (visibility in ('public', 'private', 'secret')),
  join_policy  text not null default 'open' check (join_policy in ('open', 'approval', 'invite')),
  state_only   boolean not null default false,
  members_uri  text not null default '',
  created_by   bigint references accounts(id) on delete set null,
  created_at   timestamptz not null default now()
);

create table memberships (
  group_id      bigint not null references actors(id) on delete cascade,
  member_id     bigint not null references actors(id) on delete cascade,
  role          text not null default 'member' check (role in ('owner', 'animator', 'member')),
  state         text not null default 'accepted' check (state in ('pending', 'invited', 'accepted', 'banned')),
  activity_uri  text not null default '',
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  primary key (group_id, member_id)
);
create index memberships_member on memberships (member_id);

create table follows (
  follower_id   bigint not null references actors(id) on delete cascade,
  followee_id   bigint not null references actors(id) on delete cascade,
  state         text not null default 'pending' check (state in ('pending', 'accepted')),
  activity_uri  text not null default '',
  created_at    timestamptz not null default now(),
  primary key (follower_id, followee_id)
);
create index follows_followee on follows (followee_id, state);

create table settings (
  key   text primary key,
  value text not null
);

-- objects: notes, documents and tombstones, local and remote.
create table objects (
  id            bigserial primary key,
  uri           text not null unique,
  type          text not null,
  local         boolean not null,
  attributed_to bigint not null references actors(id) on delete cascade,
  in_reply_to   text not null default '',
  group_id      bigint references actors(id) on delete cascade,
  visibility    text not null default 'public' check (visibility in ('public', 'unlisted', 'private', 'direct', 'group')),
  name          text not null default '',
  summary       text not null default '',
  content       text not null default '',
  url           text not null default '',
  raw           jsonb,
  published     timestamptz not null default now(),
  updated       timestamptz,
  deleted_at    timestamptz,
  search        tsvector generated always as (to_tsvector('french', archipel_fold(name || ' ' || summary || ' ' || content))) stored
);
create index objects_author on objects (attributed_to, id desc);
create index objects_group on objects (group_id, id desc) where group_id is not null;
create index objects_in_reply_to on objects (in_reply_to) where in_reply_to <> '';
create index objects_search on objects using gin (search);

create table mentions (
  object_id bigint not null references objects(id) on delete cascade,
  actor_id  bigint not null references actors(id) on delete cascade,
  primary key (object_id, actor_id)
);

create table likes (
  actor_id     bigint not null references actors(id) on delete cascade,
  object_id    bigint not null references objects(id) on delete cascade,
  activity_uri text not null default '',
  created_at   timestamptz not null default now(),
  primary key (actor_id, object_id)
);

-- activities: every activity sent or received, under its id (idempotent inbox).
create table activities (
  id           bigserial primary key,
  uri          text not null unique,
  type         text not null,
  actor_uri    text not null,
  object_uri   text not null default '',
  local        boolean not null,
  raw          jsonb not null,
  signer       text not null default '',
  received_at  timestamptz not null default now(),
  processed_at timestamptz,
  error        text not null default ''
);
create index activities_unprocessed on activities (id) where processed_at is null and not local;

create table deliveries (
  id          bigserial primary key,
  activity_id bigint not null references activities(id) on delete cascade,
  inbox       text not null,
  host        text not null,
  signer_id   bigint not null references actors(id) on delete cascade,
  state       text not null default 'pending' check (state in ('pending', 'done', 'failed', 'dead')),
  attempts    int not null default 0,
  next_at     timestamptz not null default now(),
  last_error  text not null default '',
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  unique (activity_id, inbox)
);
create index deliveries_due on deliveries (next_at) where state = 'pending';
create index deliveries_host on deliveries (host, state);

create table domains (
  host              text primary key,
  policy            text not null default '' check (policy in ('', 'allow', 'block')),
  failures          int not null default 0,
  unreachable_since timestamptz,
  last_success_at   timestamptz,
  updated_at        timestamptz not null default now()
);
