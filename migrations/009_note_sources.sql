-- What the author typed, kept for editing: the content is the HTML made
-- from it (paragraphs, linked mentions).
create table note_sources (
  object_id bigint primary key references objects(id) on delete cascade,
  text      text not null
);
