-- Notifications: what happened that concerns one of this node's people,
-- written in the same transaction as what caused it (outbox, inbox) and
-- read by the client API and the notifications page. Types are Mastodon's
-- (mention, status, reblog, follow, follow_request, favourite, update) and
-- Archipel's own under "archipel." (see store/notifications.go).
create table notifications (
  id           bigserial primary key,
  recipient_id bigint not null references actors(id) on delete cascade,
  type         text not null check (type ~ '^[a-z_]+(\.[a-z_]+)?$'),
  from_id      bigint not null references actors(id) on delete cascade,
  object_id    bigint references objects(id) on delete cascade,
  group_id     bigint references actors(id) on delete cascade,
  -- Two notifications of one recipient with the same key are one (a Like
  -- delivered twice notifies once).
  dedup_key    text not null,
  -- Mastodon 4.3's grouping key (favourites and shares of one post, follows,
  -- within an hour); null for the types shown one by one.
  group_key    text,
  created_at   timestamptz not null default now(),
  unique (recipient_id, dedup_key)
);
create index notifications_recipient on notifications (recipient_id, id desc);
create index notifications_object on notifications (object_id) where object_id is not null;
create index notifications_group_key on notifications (recipient_id, group_key) where group_key is not null;

-- Where a reader stopped reading a timeline (Mastodon's markers): what is
-- newer than last_read_id in "notifications" is unread.
create table markers (
  actor_id     bigint not null references actors(id) on delete cascade,
  timeline     text not null check (timeline in ('home', 'notifications')),
  last_read_id bigint not null default 0,
  version      int not null default 0,
  updated_at   timestamptz not null default now(),
  primary key (actor_id, timeline)
);

-- A follower who asked to be told of each new post (Mastodon's "notify").
alter table follows add column notify boolean not null default false;

-- What was already waiting or had happened shows in the new list.
insert into notifications (recipient_id, type, from_id, dedup_key, created_at)
select f.followee_id, 'follow_request', f.follower_id, 'follow_request:' || f.follower_id || ':0:0', f.created_at
from follows f join actors a on a.id = f.followee_id and a.local and a.type = 'Person'
where f.state = 'pending'
on conflict do nothing;

insert into notifications (recipient_id, type, from_id, dedup_key, group_key, created_at)
select f.followee_id, 'follow', f.follower_id, 'follow:' || f.follower_id || ':0:0',
  'follow-' || floor(extract(epoch from f.created_at) / 3600)::bigint, f.created_at
from follows f join actors a on a.id = f.followee_id and a.local and a.type = 'Person'
where f.state = 'accepted' and f.follower_id <> f.followee_id
on conflict do nothing;

insert into notifications (recipient_id, type, from_id, group_id, dedup_key, created_at)
select moderator.member_id, 'archipel.join_request', m.member_id, m.group_id,
  'archipel.join_request:' || m.member_id || ':0:' || m.group_id, m.created_at
from memberships m
join actors g on g.id = m.group_id and g.local
join memberships moderator on moderator.group_id = m.group_id and moderator.state = 'accepted'
  and moderator.role in ('owner', 'animator')
join actors ma on ma.id = moderator.member_id and ma.local
where m.state = 'pending' and moderator.member_id <> m.member_id
on conflict do nothing;

insert into notifications (recipient_id, type, from_id, group_id, dedup_key, created_at)
select m.member_id, 'archipel.group_invitation', m.group_id, m.group_id,
  'archipel.group_invitation:' || m.group_id || ':0:' || m.group_id, m.updated_at
from memberships m join actors a on a.id = m.member_id and a.local
where m.state = 'invited'
on conflict do nothing;

insert into notifications (recipient_id, type, from_id, object_id, dedup_key, created_at)
select m.actor_id, 'mention', o.attributed_to, o.id, 'mention:' || o.attributed_to || ':' || o.id || ':0', o.published
from mentions m
join objects o on o.id = m.object_id and o.deleted_at is null
join actors a on a.id = m.actor_id and a.local
where o.attributed_to <> m.actor_id
on conflict do nothing;

-- Replies to one's posts notify as mentions, as in Mastodon (where a reply
-- always names the author it answers).
insert into notifications (recipient_id, type, from_id, object_id, dedup_key, created_at)
select p.attributed_to, 'mention', o.attributed_to, o.id, 'mention:' || o.attributed_to || ':' || o.id || ':0', o.published
from objects o
join objects p on p.uri = o.in_reply_to
join actors a on a.id = p.attributed_to and a.local
where o.in_reply_to <> '' and o.deleted_at is null and o.attributed_to <> p.attributed_to
on conflict do nothing;

insert into notifications (recipient_id, type, from_id, object_id, dedup_key, group_key, created_at)
select o.attributed_to, 'favourite', l.actor_id, o.id, 'favourite:' || l.actor_id || ':' || o.id || ':0',
  'favourite-' || o.id || '-' || floor(extract(epoch from l.created_at) / 3600)::bigint, l.created_at
from likes l
join objects o on o.id = l.object_id and o.deleted_at is null
join actors a on a.id = o.attributed_to and a.local
where l.actor_id <> o.attributed_to
on conflict do nothing;

insert into notifications (recipient_id, type, from_id, object_id, dedup_key, group_key, created_at)
select p.attributed_to, 'reblog', s.attributed_to, p.id, 'reblog:' || s.attributed_to || ':' || p.id || ':0',
  'reblog-' || p.id || '-' || floor(extract(epoch from s.published) / 3600)::bigint, s.published
from objects s
join objects p on p.uri = s.url and p.deleted_at is null
join actors a on a.id = p.attributed_to and a.local
where s.type = 'Announce' and s.deleted_at is null and s.attributed_to <> p.attributed_to
on conflict do nothing;
