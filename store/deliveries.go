package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Delivery states.
const (
	DeliveryPending = "pending"
	DeliveryDone    = "done"
	DeliveryFailed  = "failed" // refused for good by the peer (4xx)
	DeliveryDead    = "dead"   // gave up after retrying
)

// Delivery is one activity to POST to one inbox.
type Delivery struct {
	ID         int64     `json:"id"`
	ActivityID int64     `json:"activity_id"`
	Inbox      string    `json:"inbox"`
	Host       string    `json:"host"`
	SignerID   int64     `json:"-"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	NextAt     time.Time `json:"next_at"`
	LastError  string    `json:"last_error"`
	CreatedAt  time.Time `json:"created_at"`
}

const deliveryColumns = `id, activity_id, inbox, host, signer_id, state, attempts, next_at, last_error, created_at`

// BatchMin is the number of inboxes from which an activity's deliveries
// are sent by batch tasks (federation.DeliverBatch) rather than one task
// each; BatchGrace is how long such rows wait before the reconciler takes
// them as due, so that it does not race the batch that is about to lease
// them (it takes them after that when the batch task was lost).
// BatchSize is how many deliveries a batch task leases at once; they are
// all posted concurrently, so a lease lasts about one POST's timeout.
const (
	BatchMin   = 2
	BatchGrace = 30 * time.Second
	BatchSize  = 64
)

// Batched tells whether a new delivery waits for a batch task: it was
// written with several inboxes, and so with BatchGrace before it is due.
func (d Delivery) Batched() bool { return d.NextAt.Sub(d.CreatedAt) >= BatchGrace/2 }

// CreateDeliveries adds one pending delivery per inbox, in one statement; an
// inbox that already has this activity is skipped. It returns the new rows.
func (s *Store) CreateDeliveries(ctx context.Context, activityID, signerID int64, inboxes map[string]string) ([]Delivery, error) {
	if len(inboxes) == 0 {
		return nil, nil
	}
	urls := make([]string, 0, len(inboxes))
	hosts := make([]string, 0, len(inboxes))
	for inbox, host := range inboxes {
		urls, hosts = append(urls, inbox), append(hosts, NormalizeHost(host))
	}
	grace := time.Duration(0)
	if len(inboxes) >= BatchMin {
		grace = BatchGrace
	}
	rows, err := s.db.Query(ctx, `insert into deliveries (activity_id, inbox, host, signer_id, next_at)
		select $1, i.inbox, i.host, $2, now() + make_interval(secs => $5) from unnest($3::text[], $4::text[]) as i(inbox, host)
		on conflict (activity_id, inbox) do nothing returning `+deliveryColumns,
		activityID, signerID, urls, hosts, grace.Seconds())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Delivery])
}

// LeaseBatch leases up to limit of an activity's deliveries that wait for
// their first attempt and that no live batch holds, until now + lease, and
// returns them. Only rows still within BatchGrace are taken (with 5 s to
// spare): a row past it belongs to the reconciler's one-delivery tasks, so
// a batch that runs late, or again after its worker died, never posts what
// a one-delivery task may be posting too. Rows locked by another batch are skipped, so several batch
// tasks of one activity (on several workers) share its inboxes.
func (s *Store) LeaseBatch(ctx context.Context, activityID int64, limit int, lease time.Duration) ([]Delivery, error) {
	rows, err := s.db.Query(ctx, `update deliveries set lease_until = now() + make_interval(secs => $3)
		where id in (select id from deliveries where activity_id = $1 and state = 'pending' and attempts = 0
		  and (lease_until is null or lease_until < now()) and next_at > now() + interval '5 seconds'
		  order by id limit $2 for update skip locked)
		returning `+deliveryColumns, activityID, limit, lease.Seconds())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Delivery])
}

// FinishBatch records the first attempt of these deliveries as done, in one
// statement, and returns how many it changed (rows another worker moved on
// in the meantime are left alone, as FinishDelivery does).
func (s *Store) FinishBatch(ctx context.Context, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := s.db.Exec(ctx, `update deliveries set state = 'done', attempts = 1, next_at = now(), last_error = '',
		lease_until = null, updated_at = now() where id = any($1) and attempts = 0 and state = 'pending'`, ids)
	return tag.RowsAffected(), err
}

// BatchActivity is what every delivery of a batch shares: the activity's
// bytes and its signer's key.
type BatchActivity struct {
	ActivityURI   string
	Raw           []byte
	SignerURI     string
	SignerLocal   bool
	KeyID         string
	PrivateKeyPEM string
}

// BatchActivity loads an activity and the key of one signer of its deliveries.
func (s *Store) BatchActivity(ctx context.Context, activityID, signerID int64) (*BatchActivity, error) {
	var b BatchActivity
	err := s.db.QueryRow(ctx, `select a.uri, a.raw, s.uri, s.local, s.public_key_id, coalesce(s.private_key_pem, '')
		from activities a, actors s where a.id = $1 and s.id = $2`, activityID, signerID).
		Scan(&b.ActivityURI, &b.Raw, &b.SignerURI, &b.SignerLocal, &b.KeyID, &b.PrivateKeyPEM)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &b, nil
}

// FinishDelivery records the outcome of attempt number attempt; it changes
// nothing when another worker already moved the delivery on (ok false).
func (s *Store) FinishDelivery(ctx context.Context, id int64, attempt int, state string, nextAt time.Time, lastError string) (bool, error) {
	tag, err := s.db.Exec(ctx, `update deliveries set state = $3, attempts = attempts + 1, next_at = $4,
		last_error = $5, lease_until = null, updated_at = now() where id = $1 and attempts = $2 and state = 'pending'`,
		id, attempt, state, nextAt, lastError)
	return err == nil && tag.RowsAffected() == 1, err
}

// ParkDelivery moves a pending delivery's next attempt without counting one
// (its host is unreachable).
func (s *Store) ParkDelivery(ctx context.Context, id int64, until time.Time) error {
	_, err := s.db.Exec(ctx, `update deliveries set next_at = $2, lease_until = null, updated_at = now() where id = $1 and state = 'pending'`, id, until)
	return err
}

// DueDeliveries lists pending deliveries due before the given time, oldest
// first, for the reconciler.
func (s *Store) DueDeliveries(ctx context.Context, before time.Time, limit int) ([]Delivery, error) {
	rows, err := s.db.Query(ctx, `select `+deliveryColumns+` from deliveries where state = 'pending' and next_at <= $1
		  and (lease_until is null or lease_until < now()) order by next_at limit $2`, before, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Delivery])
}

// DeliveriesByState lists deliveries in a state, newest first.
func (s *Store) DeliveriesByState(ctx context.Context, state string, limit int) ([]Delivery, error) {
	rows, err := s.db.Query(ctx, `select `+deliveryColumns+` from deliveries where state = $1 order by id desc limit $2`, state, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Delivery])
}

// CountDeliveries counts deliveries by state, for metrics.
func (s *Store) CountDeliveries(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.Query(ctx, `select state, count(*) from deliveries group by state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{DeliveryPending: 0, DeliveryDone: 0, DeliveryFailed: 0, DeliveryDead: 0}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// RetryDead puts dead (and failed) deliveries back to pending, due now, with
// a fresh attempt count; host "" means every host. It returns how many.
func (s *Store) RetryDead(ctx context.Context, host string) (int64, error) {
	if host != "" {
		host = NormalizeHost(host)
	}
	tag, err := s.db.Exec(ctx, `update deliveries set state = 'pending', attempts = 0, next_at = now(),
		created_at = now(), updated_at = now() where state in ('dead', 'failed') and ($1 = '' or host = $1)`, host)
	return tag.RowsAffected(), err
}

// ResumeHost makes the parked deliveries of a host due now.
func (s *Store) ResumeHost(ctx context.Context, host string) error {
	host = NormalizeHost(host)
	_, err := s.db.Exec(ctx, `update deliveries set next_at = now() where host = $1 and state = 'pending' and next_at > now()`, host)
	return err
}

// DeliverySuccess marks a host reachable again and returns whether it was
// unreachable before.
func (s *Store) DeliverySuccess(ctx context.Context, host string) (wasUnreachable bool, err error) {
	host = NormalizeHost(host)
	err = s.db.QueryRow(ctx, `insert into domains (host, failures, last_success_at) values ($1, 0, now())
		on conflict (host) do update set failures = 0, last_success_at = now(), unreachable_since = null, updated_at = now()
		returning coalesce((select unreachable_since is not null from domains where host = $1), false)`, host).Scan(&wasUnreachable)
	return wasUnreachable, err
}

// DeliveryFailure counts a failure for a host and marks it unreachable once
// failures reach threshold. It returns whether the host is unreachable now.
func (s *Store) DeliveryFailure(ctx context.Context, host string, threshold int) (unreachable bool, err error) {
	host = NormalizeHost(host)
	err = s.db.QueryRow(ctx, `insert into domains (host, failures) values ($1, 1)
		on conflict (host) do update set failures = domains.failures + 1,
		  unreachable_since = case when domains.failures + 1 >= $2 then coalesce(domains.unreachable_since, now()) end,
		  updated_at = now()
		returning unreachable_since is not null`, host, threshold).Scan(&unreachable)
	return unreachable, err
}

// UnreachableHostsToProbe returns unreachable hosts whose last probe is older
// than every, and records a probe now.
func (s *Store) UnreachableHostsToProbe(ctx context.Context, every time.Duration) ([]string, error) {
	rows, err := s.db.Query(ctx, `update domains set updated_at = now() where unreachable_since is not null
		and updated_at < now() - make_interval(secs => $1) returning host`, every.Seconds())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// OldestPendingForHost returns the oldest pending delivery of a host, to
// use as a probe.
func (s *Store) OldestPendingForHost(ctx context.Context, host string) (*Delivery, error) {
	rows, err := s.db.Query(ctx, `select `+deliveryColumns+` from deliveries where host = $1 and state = 'pending' order by id limit 1`, host)
	if err != nil {
		return nil, err
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Delivery])
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &d, nil
}

// DeliveryJob is a delivery with what its attempt needs: the activity's
// bytes and the signer's key.
type DeliveryJob struct {
	Delivery
	ActivityURI   string
	Raw           []byte
	SignerURI     string
	SignerLocal   bool
	KeyID         string
	PrivateKeyPEM string
	// The signer's Ed25519 key, "" for an actor that has none yet.
	Ed25519KeyID      string
	Ed25519PrivatePEM string
	// LeaseUntil is set while a batch task holds the delivery.
	LeaseUntil *time.Time
}

// DeliveryJob loads a delivery, its activity and its signer's key in one
// round trip (the worker's hot path).
func (s *Store) DeliveryJob(ctx context.Context, id int64) (*DeliveryJob, error) {
	var j DeliveryJob
	d := &j.Delivery
	err := s.db.QueryRow(ctx, `select d.id, d.activity_id, d.inbox, d.host, d.signer_id, d.state, d.attempts, d.next_at,
		  d.last_error, d.created_at, a.uri, a.raw, s.uri, s.local, s.public_key_id, coalesce(s.private_key_pem, ''),
		  s.ed25519_key_id, s.ed25519_private_key, d.lease_until
		from deliveries d join activities a on a.id = d.activity_id join actors s on s.id = d.signer_id
		where d.id = $1`, id).
		Scan(&d.ID, &d.ActivityID, &d.Inbox, &d.Host, &d.SignerID, &d.State, &d.Attempts, &d.NextAt,
			&d.LastError, &d.CreatedAt, &j.ActivityURI, &j.Raw, &j.SignerURI, &j.SignerLocal, &j.KeyID, &j.PrivateKeyPEM,
			&j.Ed25519KeyID, &j.Ed25519PrivatePEM, &j.LeaseUntil)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &j, nil
}
