-- A followed person's share (boost) of a post is an object of type
-- Announce whose url is the shared post's URI: found by that URI to count
-- a post's shares.
create index objects_shares on objects (url) where type = 'Announce';
