-- Web Push (Mastodon's /api/v1/push/subscription): one subscription per
-- access token, and a durable outbox of push messages, each written in the
-- transaction of the notification it announces; the queue only times the
-- sends, and the reconciler enqueues again what Redis lost.
create table push_subscriptions (
  id         bigserial primary key,
  token_id   bigint not null unique references tokens(id) on delete cascade,
  account_id bigint not null references accounts(id) on delete cascade,
  endpoint   text not null,
  p256dh     text not null, -- the browser's P-256 public key, base64url
  auth       text not null, -- the 16-byte auth secret, base64url
  alerts     text[] not null default '{}', -- notification types pushed
  policy     text not null default 'all' check (policy in ('all', 'followed', 'follower', 'none')),
  created_at timestamptz not null default now()
);
create index push_subscriptions_account on push_subscriptions (account_id);

create table push_messages (
  id              bigserial primary key,
  subscription_id bigint not null references push_subscriptions(id) on delete cascade,
  notification_id bigint not null references notifications(id) on delete cascade on update cascade,
  state           text not null default 'pending' check (state in ('pending', 'sent', 'dead')),
  attempts        int not null default 0,
  next_at         timestamptz not null default now(),
  last_error      text not null default '',
  created_at      timestamptz not null default now(),
  sent_at         timestamptz
);
create index push_messages_due on push_messages (next_at) where state = 'pending';

-- Keyword filters (Mastodon's /api/v2/filters), applied by the client API
-- to the timelines, threads, profiles and notifications of their contexts.
create table filters (
  id         bigserial primary key,
  account_id bigint not null references accounts(id) on delete cascade,
  title      text not null,
  context    text[] not null,
  action     text not null default 'warn' check (action in ('warn', 'hide')),
  expires_at timestamptz,
  created_at timestamptz not null default now()
);
create index filters_account on filters (account_id);

create table filter_keywords (
  id         bigserial primary key,
  filter_id  bigint not null references filters(id) on delete cascade,
  keyword    text not null,
  whole_word boolean not null default true
);
create index filter_keywords_filter on filter_keywords (filter_id);
