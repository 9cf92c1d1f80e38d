-- Pictures: attached to posts (Mastodon's media attachments, ours and
-- peers'), and people's avatars and headers. The bytes are in storage,
-- addressed by their SHA-256 as documents' are; a peer's picture has its
-- remote_url and no bytes until someone asks for it.
create table media_attachments (
  id                 bigserial primary key,
  -- token is random and names the files in their URLs, which are served
  -- without a token (apps load them as images): it cannot be guessed.
  token              text not null unique,
  actor_id           bigint not null references actors(id) on delete cascade,
  object_id          bigint references objects(id) on delete cascade,
  position           int not null default 0,
  purpose            text not null default 'attachment' check (purpose in ('attachment', 'avatar', 'header')),
  type               text not null,
  media_type         text not null default '',
  sha256             text not null default '',
  size               bigint not null default 0,
  width              int not null default 0,
  height             int not null default 0,
  preview_sha256     text not null default '',
  preview_media_type text not null default '',
  preview_width      int not null default 0,
  preview_height     int not null default 0,
  description        text not null default '',
  focus_x            double precision not null default 0,
  focus_y            double precision not null default 0,
  blurhash           text not null default '',
  remote_url         text not null default '',
  created_at         timestamptz not null default now()
);

create index media_attachments_object on media_attachments (object_id, position) where object_id is not null;
-- The cleaner looks for uploads never attached.
create index media_attachments_unattached on media_attachments (created_at)
  where object_id is null and purpose = 'attachment';
create index media_attachments_sha256 on media_attachments (sha256) where sha256 <> '';
create index media_attachments_preview_sha256 on media_attachments (preview_sha256) where preview_sha256 <> '';
-- One avatar and one header per person.
create unique index media_attachments_profile on media_attachments (actor_id, purpose) where purpose <> 'attachment';
