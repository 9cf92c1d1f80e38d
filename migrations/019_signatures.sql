-- What each peer host accepts of our signatures: signature_scheme is the
-- scheme that last worked ('' not known yet: RFC 9421 is tried first, then
-- draft-cavage on 401/403), signature_scheme_at when it was learnt (a
-- cavage host is tried with RFC 9421 again after a while); ed25519 is set
-- when the host publishes Ed25519 keys (FEP-521a), so that we sign for it
-- with ours.
alter table domains
  add column signature_scheme    text not null default '' check (signature_scheme in ('', 'rfc9421', 'cavage')),
  add column signature_scheme_at timestamptz,
  add column ed25519             boolean not null default false;

-- Ed25519 keys (FEP-521a Multikey, in assertionMethod) next to the RSA
-- ones: ours with the private key (PKCS#8 PEM), given to every local actor
-- (existing ones at the node's next start), and peers' public keys
-- (publicKeyMultibase) with their id, which signatures name as keyid.
alter table actors
  add column ed25519_key_id      text not null default '',
  add column ed25519_public_key  text not null default '',
  add column ed25519_private_key text not null default '';
create index actors_ed25519_key_id on actors (ed25519_key_id);
