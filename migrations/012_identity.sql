-- Trusted identity: confirmed addresses and approval before any right,
-- single-use links sent by mail, the mail outbox, sign-in throttling, single
-- sign-on identities, and Mastodon's OAuth 2 apps, codes and scoped tokens.

-- An account has rights only once its address is confirmed (confirmed_at)
-- and, on a node that approves sign-ups, once an admin approved it
-- (approved_at). Accounts that exist already keep working.
alter table accounts
  add column confirmed_at        timestamptz,
  add column approved_at         timestamptz,
  add column locale              text not null default 'fr' check (locale in ('fr', 'en')),
  add column pending_email       text not null default '',
  add column registration_reason text not null default '',
  add column last_sign_in_at     timestamptz,
  add column last_sign_in_ip     text not null default '';
update accounts set confirmed_at = created_at, approved_at = created_at;
create index accounts_awaiting_approval on accounts (created_at) where approved_at is null;

-- Links sent by mail (address confirmation, password reset): only the hash
-- of the token is kept; each link works once, until it expires. email is
-- the address the link confirms (a new one, for a change of address).
create table account_links (
  hash        bytea primary key,
  account_id  bigint not null references accounts(id) on delete cascade,
  purpose     text not null check (purpose in ('confirm', 'reset')),
  email       text not null default '',
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null,
  used_at     timestamptz
);
create index account_links_account on account_links (account_id, purpose, created_at desc);

-- The mail outbox: one row per message, written in the transaction that
-- causes it, sent by the queue and retried like deliveries. The bodies are
-- cleared once the message is sent or dead (they may hold a link).
create table mails (
  id          bigserial primary key,
  account_id  bigint references accounts(id) on delete set null,
  kind        text not null,
  to_address  text not null,
  subject     text not null,
  text_body   text not null,
  html_body   text not null,
  message_id  text not null unique,
  state       text not null default 'pending' check (state in ('pending', 'sent', 'dead')),
  attempts    int not null default 0,
  next_at     timestamptz not null default now(),
  last_error  text not null default '',
  created_at  timestamptz not null default now(),
  sent_at     timestamptz
);
create index mails_due on mails (next_at) where state = 'pending';
create index mails_account on mails (account_id, kind, created_at desc);

-- Failed sign-ins, per account and per client address, shared by every
-- serve process: past a few failures each new try waits a growing delay.
create table login_failures (
  key             text primary key,
  failures        int not null,
  last_failure_at timestamptz not null,
  blocked_until   timestamptz not null
);

-- Browser sessions: an id to end one from the settings page, what the
-- settings page shows of it, and the ID token of a single sign-on session
-- (the provider's logout wants it back).
alter table sessions
  add column id         bigserial,
  add column ip         text not null default '',
  add column user_agent text not null default '',
  add column id_token   text not null default '';
create unique index sessions_id on sessions (id);

-- Single sign-on: an account found again by the provider's (issuer, subject).
create table oidc_identities (
  issuer        text not null,
  subject       text not null,
  account_id    bigint not null references accounts(id) on delete cascade,
  email         text not null default '',
  created_at    timestamptz not null default now(),
  last_login_at timestamptz,
  primary key (issuer, subject)
);
create unique index oidc_identities_account on oidc_identities (account_id, issuer);

-- A sign-in under way at the provider: its state (hashed), bound to the
-- browser that started it by a cookie (hashed), with its nonce and PKCE
-- verifier. Used once.
create table oidc_logins (
  state_hash   bytea primary key,
  browser_hash bytea not null,
  nonce        text not null,
  verifier     text not null,
  next         text not null default '',
  expires_at   timestamptz not null
);

-- A provider identity whose address belongs to an existing password
-- account: linked only once that account's owner gives the password.
create table oidc_pending_links (
  hash        bytea primary key,
  account_id  bigint not null references accounts(id) on delete cascade,
  issuer      text not null,
  subject     text not null,
  email       text not null,
  id_token    text not null default '',
  expires_at  timestamptz not null
);

-- Mastodon OAuth 2: registered apps (the secret is kept hashed).
create table oauth_apps (
  id            bigserial primary key,
  client_id     text not null unique,
  secret_hash   bytea not null,
  name          text not null,
  website       text not null default '',
  redirect_uris text[] not null,
  scopes        text not null,
  created_at    timestamptz not null default now()
);

-- Authorization codes (hashed), single use, short-lived; token_id is the
-- token a code gave, revoked if the code comes back (RFC 6749 §4.1.2).
create table oauth_codes (
  hash                  bytea primary key,
  app_id                bigint not null references oauth_apps(id) on delete cascade,
  account_id            bigint not null references accounts(id) on delete cascade,
  redirect_uri          text not null,
  scopes                text not null,
  code_challenge        text not null default '',
  code_challenge_method text not null default '',
  expires_at            timestamptz not null,
  used_at               timestamptz,
  token_id              bigint
);

-- Tokens: personal ones (admin CLI: all scopes, no app), user tokens of an
-- app, and app-only tokens (client_credentials: no account).
alter table tokens
  alter column account_id drop not null,
  add column app_id bigint references oauth_apps(id) on delete cascade,
  add column scopes text not null default 'read write follow push admin:read admin:write';
create index tokens_account on tokens (account_id);
create index tokens_app on tokens (app_id) where app_id is not null;
