-- Issue 18: reads that stay flat at a million posts.

-- The home timeline takes, per source, one page of the reader's mentions
-- newest first (store.HomeTimeline); the primary key is (object_id, actor_id).
create index mentions_actor on mentions (actor_id, object_id desc);

-- The directory, the handle lookups and the peers leave out the people whose
-- account may not act yet (store.inactiveAccount): those are few, and this
-- index finds them without reading every account.
create index accounts_inactive on accounts (actor_id) where confirmed_at is null or approved_at is null;

-- A delivery taken by a batch task (federation.DeliverBatch) is leased to it
-- until lease_until: neither the reconciler nor a task of its own picks it up
-- before then, and after then (the batch's worker died) they do.
alter table deliveries add column lease_until timestamptz;

-- The counts an account shows (followers, following, posts), kept by
-- triggers in the transaction that changes them, as Mastodon's account_stats:
-- counting them at each read cost as much as the actor has posts, tens of
-- milliseconds for a prolific author at a million posts, for every page
-- that shows one of their posts.
create table actor_stats (
  actor_id  bigint primary key references actors(id) on delete cascade,
  followers bigint not null default 0,
  following bigint not null default 0,
  statuses  bigint not null default 0
);

create function archipel_add_stats(actor bigint, followers bigint, following bigint, statuses bigint) returns void
  language sql as $$
  insert into actor_stats as s (actor_id, followers, following, statuses) values (actor, followers, following, statuses)
  on conflict (actor_id) do update set followers = s.followers + excluded.followers,
    following = s.following + excluded.following, statuses = s.statuses + excluded.statuses
$$;

create function archipel_follows_stats() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') and old.state = 'accepted' then
    perform archipel_add_stats(old.followee_id, -1, 0, 0);
    perform archipel_add_stats(old.follower_id, 0, -1, 0);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.state = 'accepted' then
    perform archipel_add_stats(new.followee_id, 1, 0, 0);
    perform archipel_add_stats(new.follower_id, 0, 1, 0);
  end if;
  return null;
end $$;

create trigger follows_stats after insert or delete or update of state, follower_id, followee_id on follows
  for each row execute function archipel_follows_stats();

create function archipel_objects_stats() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') and old.deleted_at is null then
    perform archipel_add_stats(old.attributed_to, 0, 0, -1);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.deleted_at is null then
    perform archipel_add_stats(new.attributed_to, 0, 0, 1);
  end if;
  return null;
end $$;

create trigger objects_stats after insert or delete or update of deleted_at, attributed_to on objects
  for each row execute function archipel_objects_stats();

-- Recounts every actor's numbers (here, and after a bulk load that ran
-- without triggers, as archipel-bench scale does).
create function archipel_recount_actor_stats() returns void language sql as $$
  insert into actor_stats (actor_id, followers, following, statuses)
  select a.id,
    (select count(*) from follows where followee_id = a.id and state = 'accepted'),
    (select count(*) from follows where follower_id = a.id and state = 'accepted'),
    (select count(*) from objects where attributed_to = a.id and deleted_at is null)
  from actors a
  on conflict (actor_id) do update set followers = excluded.followers, following = excluded.following,
    statuses = excluded.statuses
$$;

select archipel_recount_actor_stats();
