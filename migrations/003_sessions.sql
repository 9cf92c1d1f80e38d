-- Browser sessions of the web interface, kept server-side so that any serve
-- process can answer and logging out (or changing a password) ends them.
-- Only a hash of the cookie's token is stored.
create table sessions (
  token_hash   bytea primary key,
  account_id   bigint not null references accounts(id) on delete cascade,
  csrf_token   text not null,
  created_at   timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at   timestamptz not null
);
create index sessions_account on sessions (account_id);
create index sessions_expires on sessions (expires_at);
