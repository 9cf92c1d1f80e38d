-- The federation-wide observatory (issue 19): the aggregates each peer
-- publishes at /observatory.json, as last fetched by this node.
create table peer_observatories (
  host        text primary key,
  fetched_at  timestamptz not null default now(),
  report      jsonb,
  last_error  text not null default ''
);
