package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/archipel-social/archipel/markup"
)

// Actor types.
const (
	TypePerson      = "Person"
	TypeGroup       = "Group"
	TypeApplication = "Application"
	TypeService     = "Service"
)

// Actor is a person, group or application, local or remote.
type Actor struct {
	ID          int64
	URI         string
	Type        string
	Username    string
	Host        string
	Local       bool
	DisplayName string
	// Summary is the bio (a group's description) as plain text: what a
	// local person typed, or the text of a peer's HTML.
	Summary string
	// SummaryHTML is the same bio as HTML safe to show as it is: rendered
	// from the text for our actors, sanitised once on the way in for
	// peers' (markup). Pages and the API's note show it.
	SummaryHTML  string
	Organisation string
	UnitName     string
	JobTitle     string
	// Tier is the tier the actor's node publishes; for remote actors it is
	// only trusted from allowlisted nodes (see the groups rules).
	Tier          string
	Inbox         string
	Outbox        string
	Followers     string
	Following     string
	SharedInbox   string
	URL           string
	PublicKeyID   string
	PublicKeyPEM  string
	PrivateKeyPEM string
	// The Ed25519 key (FEP-521a): its id, its publicKeyMultibase, and for
	// our actors the private key (PKCS#8 PEM). Empty when the actor has none.
	Ed25519KeyID      string
	Ed25519PublicKey  string
	Ed25519PrivatePEM string
	// ManuallyApprovesFollowers makes follows wait for the person's answer.
	ManuallyApprovesFollowers bool
	Raw                       json.RawMessage
	FetchedAt                 *time.Time
	CreatedAt                 time.Time
	UpdatedAt                 time.Time
	// DeletedAt is set when a remote account deleted itself.
	DeletedAt *time.Time
	Skills    []string
}

// Handle is user@host.
func (a *Actor) Handle() string { return a.Username + "@" + a.Host }

// DeliveryInbox is where activities for this actor go: its node's shared
// inbox when it has one.
func (a *Actor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

const actorColumns = `id, uri, type, username, host, local, display_name, summary, organisation,
	unit_name, job_title, tier, inbox, outbox, followers, following, shared_inbox, url,
	public_key_id, public_key_pem, private_key_pem, manually_approves_followers, raw, fetched_at,
	created_at, updated_at, deleted_at, summary_html, ed25519_key_id, ed25519_public_key, ed25519_private_key`

type rowScanner interface{ Scan(dest ...any) error }

func scanActor(row rowScanner) (*Actor, error) { return scanActorAfter(row) }

// scanActorAfter scans a row whose first columns go to pre and whose
// remaining columns are actorColumns.
func scanActorAfter(row rowScanner, pre ...any) (*Actor, error) {
	var a Actor
	var raw []byte
	var summaryHTML *string
	err := row.Scan(append(pre, &a.ID, &a.URI, &a.Type, &a.Username, &a.Host, &a.Local, &a.DisplayName,
		&a.Summary, &a.Organisation, &a.UnitName, &a.JobTitle, &a.Tier, &a.Inbox, &a.Outbox,
		&a.Followers, &a.Following, &a.SharedInbox, &a.URL, &a.PublicKeyID, &a.PublicKeyPEM,
		&a.PrivateKeyPEM, &a.ManuallyApprovesFollowers, &raw, &a.FetchedAt, &a.CreatedAt, &a.UpdatedAt, &a.DeletedAt,
		&summaryHTML, &a.Ed25519KeyID, &a.Ed25519PublicKey, &a.Ed25519PrivatePEM)...)
	if err != nil {
		return nil, notFoundOr(err)
	}
	a.Raw = raw
	if summaryHTML != nil {
		a.SummaryHTML = *summaryHTML
	} else {
		a.Summary, a.SummaryHTML = legacySummary(&a)
	}
	return &a, nil
}

// legacySummary reads the bio of a row written before summary_html existed
// (NULL there): a local one was plain text, a peer's was its HTML as sent,
// which is sanitised here, at read time, until the row is written again
// (a profile edit, the next fetch of the peer).
func legacySummary(a *Actor) (text, safeHTML string) {
	if a.Local {
		return a.Summary, markup.LinkedTextToHTML(a.Summary)
	}
	safeHTML = markup.Sanitize(a.Summary)
	return markup.Text(safeHTML), safeHTML
}

// A local actor's URI is made from its username, so both constraints mean the same.
var actorConflicts = map[string]string{"actors_local_handle": "username", "actors_uri_key": "username"}

// CreateActor inserts a new actor and sets its ID.
func (s *Store) CreateActor(ctx context.Context, a *Actor) error {
	err := s.db.QueryRow(ctx, `insert into actors (uri, type, username, host, local, display_name,
		summary, organisation, unit_name, job_title, tier, inbox, outbox, followers, following,
		shared_inbox, url, public_key_id, public_key_pem, private_key_pem,
		manually_approves_followers, raw, fetched_at, summary_html, ed25519_key_id, ed25519_public_key, ed25519_private_key)
		values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27)
		returning id, created_at, updated_at`,
		a.URI, a.Type, a.Username, a.Host, a.Local, a.DisplayName, a.Summary, a.Organisation,
		a.UnitName, a.JobTitle, a.Tier, a.Inbox, a.Outbox, a.Followers, a.Following, a.SharedInbox,
		a.URL, a.PublicKeyID, a.PublicKeyPEM, a.PrivateKeyPEM, a.ManuallyApprovesFollowers,
		nullJSON(a.Raw), a.FetchedAt, a.SummaryHTML, a.Ed25519KeyID, a.Ed25519PublicKey, a.Ed25519PrivatePEM).Scan(&a.ID, &a.CreatedAt, &a.UpdatedAt)
	return conflictOr(err, actorConflicts)
}

// UpsertRemoteActor stores what a remote actor's document says, keyed by URI,
// and returns the stored row. Local actors are never overwritten this way.
func (s *Store) UpsertRemoteActor(ctx context.Context, a *Actor) (*Actor, error) {
	row := s.db.QueryRow(ctx, `insert into actors (uri, type, username, host, local, display_name,
		summary, organisation, unit_name, job_title, tier, inbox, outbox, followers, following,
		shared_inbox, url, public_key_id, public_key_pem, manually_approves_followers, raw, fetched_at, summary_html,
		ed25519_key_id, ed25519_public_key)
		values ($1,$2,$3,$4,false,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,now(),$21,$22,$23)
		on conflict (uri) do update set type = excluded.type, username = excluded.username,
		  display_name = excluded.display_name, summary = excluded.summary, summary_html = excluded.summary_html,
		  organisation = excluded.organisation, unit_name = excluded.unit_name,
		  job_title = excluded.job_title, tier = excluded.tier, inbox = excluded.inbox,
		  outbox = excluded.outbox, followers = excluded.followers, following = excluded.following,
		  shared_inbox = excluded.shared_inbox, url = excluded.url,
		  public_key_id = excluded.public_key_id, public_key_pem = excluded.public_key_pem,
		  ed25519_key_id = excluded.ed25519_key_id, ed25519_public_key = excluded.ed25519_public_key,
		  manually_approves_followers = excluded.manually_approves_followers,
		  raw = excluded.raw, fetched_at = now(), updated_at = now(), deleted_at = null
		  where not actors.local
		returning `+actorColumns,
		a.URI, a.Type, a.Username, a.Host, a.DisplayName, a.Summary, a.Organisation, a.UnitName,
		a.JobTitle, a.Tier, a.Inbox, a.Outbox, a.Followers, a.Following, a.SharedInbox, a.URL,
		a.PublicKeyID, a.PublicKeyPEM, a.ManuallyApprovesFollowers, nullJSON(a.Raw), a.SummaryHTML,
		a.Ed25519KeyID, a.Ed25519PublicKey)
	out, err := scanActor(row)
	if err != nil {
		return nil, conflictOr(err, actorConflicts)
	}
	return out, nil
}

// UpdateProfile writes the editable profile fields of an actor.
func (s *Store) UpdateProfile(ctx context.Context, a *Actor) error {
	tag, err := s.db.Exec(ctx, `update actors set display_name = $2, summary = $3, organisation = $4,
		unit_name = $5, job_title = $6, manually_approves_followers = $7, tier = $8, summary_html = $9,
		updated_at = now() where id = $1`, a.ID, a.DisplayName, a.Summary, a.Organisation, a.UnitName, a.JobTitle,
		a.ManuallyApprovesFollowers, a.Tier, a.SummaryHTML)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// ActorByID loads an actor with its skills.
func (s *Store) ActorByID(ctx context.Context, id int64) (*Actor, error) {
	return s.actorWhere(ctx, `id = $1`, id)
}

// ActorByURI loads an actor by its ActivityPub id.
func (s *Store) ActorByURI(ctx context.Context, uri string) (*Actor, error) {
	return s.actorWhere(ctx, `uri = $1`, uri)
}

// ReachableActorByURI is ActorByURI for what peers address: the person of a
// local account that may not act yet (unconfirmed, awaiting approval) is not
// found, as it is not by handle or as a document.
func (s *Store) ReachableActorByURI(ctx context.Context, uri string) (*Actor, error) {
	return s.actorWhere(ctx, `uri = $1 and not `+inactiveAccount("actors"), uri)
}

// ActorByHandle loads an actor by username and host (case-insensitive name).
// A remote handle may name two actors (a Lemmy user and community): the
// person wins, then the freshest copy.
func (s *Store) ActorByHandle(ctx context.Context, username, host string) (*Actor, error) {
	return s.actorWhere(ctx, `lower(username) = lower($1) and host = $2 and deleted_at is null and not `+inactiveAccount("actors")+`
		order by type = 'Group', fetched_at desc nulls last`, username, host)
}

// ActorByHandleOfType loads the actor of a type that has a handle.
func (s *Store) ActorByHandleOfType(ctx context.Context, username, host, typ string) (*Actor, error) {
	return s.actorWhere(ctx, `lower(username) = lower($1) and host = $2 and type = $3 and deleted_at is null
		and not `+inactiveAccount("actors")+` order by fetched_at desc nulls last`, username, host, typ)
}

// LocalActorByUsername loads one of this node's actors; the person of an
// account that may not act yet (unconfirmed, awaiting approval) is not found.
func (s *Store) LocalActorByUsername(ctx context.Context, username string) (*Actor, error) {
	return s.actorWhere(ctx, `lower(username) = lower($1) and local and not `+inactiveAccount("actors"), username)
}

// ActorByKeyID loads the actor that owns a public key id.
func (s *Store) ActorByKeyID(ctx context.Context, keyID string) (*Actor, error) {
	return s.actorWhere(ctx, `public_key_id = $1`, keyID)
}

// LocalActorsWithoutEd25519 lists up to limit local actors that have no
// Ed25519 key yet (made before keys had one).
func (s *Store) LocalActorsWithoutEd25519(ctx context.Context, limit int) ([]Actor, error) {
	rows, err := s.db.Query(ctx, `select id, uri from actors where local and ed25519_key_id = '' order by id limit $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Actor, error) {
		var a Actor
		err := r.Scan(&a.ID, &a.URI)
		return a, err
	})
}

// SetEd25519Key gives a local actor its Ed25519 key, unless another
// process did first.
func (s *Store) SetEd25519Key(ctx context.Context, id int64, keyID, publicMultibase, privatePEM string) error {
	_, err := s.db.Exec(ctx, `update actors set ed25519_key_id = $2, ed25519_public_key = $3, ed25519_private_key = $4,
		updated_at = now() where id = $1 and local and ed25519_key_id = ''`, id, keyID, publicMultibase, privatePEM)
	return err
}

// ActorKey is the part of an actor that verifying its signatures needs.
type ActorKey struct {
	URI          string
	Local        bool
	PublicKeyPEM string // the RSA key, when the id is the actor's publicKey
	Ed25519      string // the publicKeyMultibase, when the id is its Multikey
	FetchedAt    *time.Time
}

// ActorKeyByID finds the owner and the PEM of a public key id, without the
// rest of the actor (the inbox asks for every activity).
func (s *Store) ActorKeyByID(ctx context.Context, keyID string) (*ActorKey, error) {
	var k ActorKey
	err := s.db.QueryRow(ctx, `(select uri, local, public_key_pem, '' as ed25519, fetched_at from actors where public_key_id = $1 limit 1)
		union all
		(select uri, local, '', ed25519_public_key, fetched_at from actors where ed25519_key_id = $1 and $1 <> '' limit 1)
		limit 1`, keyID).
		Scan(&k.URI, &k.Local, &k.PublicKeyPEM, &k.Ed25519, &k.FetchedAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &k, nil
}

func (s *Store) actorWhere(ctx context.Context, where string, args ...any) (*Actor, error) {
	a, err := scanActor(s.db.QueryRow(ctx, `select `+actorColumns+` from actors where `+where+` limit 1`, args...))
	if err != nil {
		return nil, err
	}
	if a.Skills, err = s.Skills(ctx, a.ID); err != nil {
		return nil, err
	}
	return a, nil
}

// CountLocalActors counts this node's actors of a type, for NodeInfo.
// Secret groups are not counted: to outsiders they do not exist.
func (s *Store) CountLocalActors(ctx context.Context, typ string) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select count(*) from actors a where local and type = $1
		and not exists (select 1 from groups g where g.actor_id = a.id and g.visibility = 'secret')`, typ).Scan(&n)
	return n, err
}

func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return []byte(b)
}

// ForgetRemoteActor handles a remote account's deletion: the account is
// marked gone and its key forgotten, its posts become tombstones and its
// follows and memberships go.
func (s *Store) ForgetRemoteActor(ctx context.Context, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.db.Exec(ctx, `update actors set deleted_at = coalesce(deleted_at, now()), public_key_id = '',
			public_key_pem = '', summary = '', raw = null, updated_at = now() where id = $1 and not local`, id); err != nil {
			return err
		}
		if _, err := tx.db.Exec(ctx, `update objects set deleted_at = coalesce(deleted_at, now()), content = '', name = '',
			summary = '', raw = null where attributed_to = $1`, id); err != nil {
			return err
		}
		if _, err := tx.db.Exec(ctx, `delete from follows where follower_id = $1 or followee_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.db.Exec(ctx, `delete from memberships where member_id = $1`, id)
		return err
	})
}

// ActorsByIDs loads actors with their skills, by id, in two queries: for
// the entities of a page.
func (s *Store) ActorsByIDs(ctx context.Context, ids []int64) (map[int64]*Actor, error) {
	rows, err := s.db.Query(ctx, `select `+actorColumns+` from actors where id = any($1)`, ids)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Actor, error) { return scanActor(r) })
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Actor, len(list))
	for _, a := range list {
		out[a.ID] = a
	}
	return out, s.fillSkills(ctx, out)
}

// fillSkills sets the skills of actors in one query.
func (s *Store) fillSkills(ctx context.Context, actors map[int64]*Actor) error {
	ids := make([]int64, 0, len(actors))
	for id := range actors {
		ids = append(ids, id)
	}
	rows, err := s.db.Query(ctx, `select actor_id, label from skills where actor_id = any($1) order by actor_id, folded`, ids)
	if err != nil {
		return err
	}
	var id int64
	var label string
	_, err = pgx.ForEachRow(rows, []any{&id, &label}, func() error {
		if a := actors[id]; a != nil {
			a.Skills = append(a.Skills, label)
		}
		return nil
	})
	return err
}

// ActorCounts are the numbers and facts an account entity shows besides
// the actor's row.
type ActorCounts struct {
	Followers, Following, Statuses int64
	// LastStatusAt is when the actor last posted (nil: never).
	LastStatusAt *time.Time
	// Role is a local person's role on this node ("" for others).
	Role string
	// Preferences are the person's choices (DefaultPreferences for those
	// who set none, and for peers).
	Preferences Preferences
}

// CountsOf reads the counts of several actors in one query, from the
// counters the triggers of actor_stats keep (the scale migration), with the
// day of their latest post (from objects_author's newest row) and their
// role; their preferences come in another query.
func (s *Store) CountsOf(ctx context.Context, ids []int64) (map[int64]ActorCounts, error) {
	rows, err := s.db.Query(ctx, `select a.id, coalesce(s.followers, 0), coalesce(s.following, 0), coalesce(s.statuses, 0),
		(select o.published from objects o where o.attributed_to = a.id and o.deleted_at is null and o.type in `+postTypes+`
		 order by o.id desc limit 1),
		coalesce((select role from accounts where actor_id = a.id), '')
		from unnest($1::bigint[]) a(id) left join actor_stats s on s.actor_id = a.id`, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]ActorCounts, len(ids))
	var id int64
	var c ActorCounts
	_, err = pgx.ForEachRow(rows, []any{&id, &c.Followers, &c.Following, &c.Statuses, &c.LastStatusAt, &c.Role}, func() error {
		out[id] = c
		c = ActorCounts{} // pgx may write a time into the pointer it has
		return nil
	})
	if err != nil {
		return out, err
	}
	prefs, err := s.PreferencesOf(ctx, ids)
	for id, c := range out {
		c.Preferences = prefs[id]
		out[id] = c
	}
	return out, err
}
