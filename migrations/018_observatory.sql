-- The observatory of collaborative practice (issue 19) counts activity in
-- aggregates only. An agent may leave it: their actions are then counted
-- nowhere, not even as "fewer than 5".
alter table accounts add column observatory_opt_out boolean not null default false;
create index likes_created on likes (created_at);
