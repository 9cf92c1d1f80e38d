package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// ObservatoryScope is what a set of indicators covers: the activity in
// some groups (nil: every group of this node), optionally only that of the
// agents of some units.
type ObservatoryScope struct {
	GroupIDs []int64
	UnitIDs  []int64
}

// ObservatoryBucket is the raw figures of one week or month. People counts
// (Active, New, Departed, Tiers) are what the observatory shows, or hides
// under its threshold; activity counts are about those people.
type ObservatoryBucket struct {
	Start              time.Time
	Active             int
	Posts, Replies     int
	Likes              int
	Documents          int
	Versions           int
	RemoteActions      int
	Actions            int
	New, Departed      int
	Tiers              map[string]int
	MedianReplyMinutes *float64
	Questions          int
	Unanswered         int
}

// observatoryScope names the buckets and the groups in scope of a query.
// $1 groups (null: every local group), $3 bucket starts, $4 step.
const observatoryScope = `with buckets as (select b as start, b + $4::text::interval as stop from unnest($3::timestamptz[]) b),
scope_groups as (select a.id from actors a where a.type = 'Group' and a.local and a.deleted_at is null
	and ($1::bigint[] is null or a.id = any($1))),`

// observatoryActions is every counted action in scope with its bucket:
// posts and replies, likes of group posts, documents and new versions. The
// actions of agents who left the observatory are not in it. $1 groups (null:
// every local group), $2 units (null: everyone), $3 bucket starts, $4 step.
const observatoryActions = `
` + observatoryScope + `
actions as (
	select o.attributed_to actor, o.published at, case when o.in_reply_to = '' then 'post' else 'reply' end kind
	from objects o where o.group_id in (select id from scope_groups) and o.deleted_at is null
		and o.type in ('Note', 'Article', 'Page', 'Question')
	union all
	select l.actor_id, l.created_at, 'like' from likes l join objects o on o.id = l.object_id
	where o.group_id in (select id from scope_groups)
	union all
	select o.attributed_to, o.published, 'document' from objects o
	where o.group_id in (select id from scope_groups) and o.type = 'Document' and o.deleted_at is null
	union all
	select v.uploaded_by, v.created_at, 'version' from document_versions v join objects o on o.id = v.object_id
	where o.group_id in (select id from scope_groups) and v.version > 1 and v.uploaded_by is not null
),
counted as (
	select b.start, x.actor, x.kind, a.local, a.tier from actions x
	join buckets b on x.at >= b.start and x.at < b.stop
	join actors a on a.id = x.actor
	left join accounts ac on ac.actor_id = a.id
	where not coalesce(ac.observatory_opt_out, false)
		and ($2::bigint[] is null or ac.unit_id = any($2))
)`

// ObservatoryFigures computes the raw figures of each bucket starting at
// starts (each step long).
func (s *Store) ObservatoryFigures(ctx context.Context, scope ObservatoryScope, starts []time.Time, step string) ([]ObservatoryBucket, error) {
	out := make([]ObservatoryBucket, len(starts))
	index := map[time.Time]int{}
	for i, t := range starts {
		out[i] = ObservatoryBucket{Start: t, Tiers: map[string]int{}}
		index[t.UTC()] = i
	}
	at := func(t time.Time) *ObservatoryBucket { return &out[index[t.UTC()]] }
	groups, units := nilIfEmpty(scope.GroupIDs), nilIfEmpty(scope.UnitIDs)
	args := []any{groups, units, starts, step}

	rows, err := s.db.Query(ctx, observatoryActions+`
		select start, count(distinct actor), count(*) filter (where kind = 'post'), count(*) filter (where kind = 'reply'),
			count(*) filter (where kind = 'like'), count(*) filter (where kind = 'document'),
			count(*) filter (where kind = 'version'), count(*) filter (where not local), count(*)
		from counted group by start`, args...)
	if err != nil {
		return nil, err
	}
	var start time.Time
	var b ObservatoryBucket
	if _, err := pgx.ForEachRow(rows, []any{&start, &b.Active, &b.Posts, &b.Replies, &b.Likes, &b.Documents, &b.Versions,
		&b.RemoteActions, &b.Actions}, func() error {
		o := at(start)
		o.Active, o.Posts, o.Replies, o.Likes, o.Documents, o.Versions, o.RemoteActions, o.Actions =
			b.Active, b.Posts, b.Replies, b.Likes, b.Documents, b.Versions, b.RemoteActions, b.Actions
		return nil
	}); err != nil {
		return nil, err
	}

	rows, err = s.db.Query(ctx, observatoryActions+`
		select start, tier, count(distinct actor) from counted where tier <> '' group by start, tier`, args...)
	if err != nil {
		return nil, err
	}
	var tier string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&start, &tier, &n}, func() error { at(start).Tiers[tier] = n; return nil }); err != nil {
		return nil, err
	}

	// Arrivals and departures of the groups in scope, by the members' units.
	rows, err = s.db.Query(ctx, `
		`+observatoryScope+`
		moves as (
			select member_id, created_at at, kind in ('joined') arrival from group_events
			where group_id in (select id from scope_groups) and kind in ('joined', 'left', 'removed', 'removed_tier'))
		select b.start, count(distinct m.member_id) filter (where m.arrival), count(distinct m.member_id) filter (where not m.arrival)
		from moves m join buckets b on m.at >= b.start and m.at < b.stop
		left join accounts ac on ac.actor_id = m.member_id
		where not coalesce(ac.observatory_opt_out, false) and ($2::bigint[] is null or ac.unit_id = any($2))
		group by b.start`, args...)
	if err != nil {
		return nil, err
	}
	var arrived, departed int
	if _, err := pgx.ForEachRow(rows, []any{&start, &arrived, &departed}, func() error {
		o := at(start)
		o.New, o.Departed = arrived, departed
		return nil
	}); err != nil {
		return nil, err
	}

	// Time to a first reply, and questions left unanswered for 48 hours
	// (a question: a post whose text asks one). Posts of the last 48 hours
	// are not yet counted as questions: they may still be answered.
	rows, err = s.db.Query(ctx, `
		`+observatoryScope+`
		posts as (
			select b.start, o.published, o.content like '%?%' question,
				(select min(r.published) from objects r where r.in_reply_to = o.uri and r.deleted_at is null
					and r.attributed_to <> o.attributed_to) first_reply
			from objects o join buckets b on o.published >= b.start and o.published < b.stop
			left join accounts ac on ac.actor_id = o.attributed_to
			where o.group_id in (select id from scope_groups) and o.in_reply_to = '' and o.deleted_at is null
				and o.type in ('Note', 'Article', 'Page', 'Question')
				and not coalesce(ac.observatory_opt_out, false) and ($2::bigint[] is null or ac.unit_id = any($2)))
		select start,
			percentile_cont(0.5) within group (order by extract(epoch from first_reply - published) / 60) filter (where first_reply is not null),
			count(*) filter (where question and published < now() - interval '48 hours'),
			count(*) filter (where question and published < now() - interval '48 hours'
				and (first_reply is null or first_reply > published + interval '48 hours'))
		from posts group by start`, args...)
	if err != nil {
		return nil, err
	}
	var median *float64
	var questions, unanswered int
	if _, err := pgx.ForEachRow(rows, []any{&start, &median, &questions, &unanswered}, func() error {
		o := at(start)
		o.MedianReplyMinutes, o.Questions, o.Unanswered = median, questions, unanswered
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

func nilIfEmpty(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	return ids
}

// SetObservatoryOptOut records whether an agent leaves the observatory.
func (s *Store) SetObservatoryOptOut(ctx context.Context, accountID int64, out bool) error {
	_, err := s.db.Exec(ctx, `update accounts set observatory_opt_out = $2 where id = $1`, accountID, out)
	return err
}

// ObservatoryOptOut tells whether an agent left the observatory.
func (s *Store) ObservatoryOptOut(ctx context.Context, accountID int64) (bool, error) {
	var out bool
	err := s.db.QueryRow(ctx, `select observatory_opt_out from accounts where id = $1`, accountID).Scan(&out)
	return out, notFoundOr(err)
}

// PeerObservatory is what a peer published at /observatory.json, as last
// fetched (Report nil when the last fetch failed).
type PeerObservatory struct {
	Host      string          `json:"host"`
	FetchedAt time.Time       `json:"fetched_at"`
	Report    json.RawMessage `json:"-"`
	LastError string          `json:"last_error"`
}

// SavePeerObservatory records a fetch of a peer's aggregates; a failed
// fetch keeps the last good report and says why.
func (s *Store) SavePeerObservatory(ctx context.Context, host string, report []byte, fetchErr string) error {
	_, err := s.db.Exec(ctx, `insert into peer_observatories (host, report, last_error) values ($1, $2, $3)
		on conflict (host) do update set fetched_at = now(), last_error = excluded.last_error,
		report = coalesce(excluded.report, peer_observatories.report)`, host, nullJSON(json.RawMessage(report)), fetchErr)
	return err
}

// PeerObservatories lists the peers' last fetched aggregates.
func (s *Store) PeerObservatories(ctx context.Context) ([]PeerObservatory, error) {
	rows, err := s.db.Query(ctx, `select host, fetched_at, coalesce(report::text, ''), last_error from peer_observatories order by host`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (PeerObservatory, error) {
		var p PeerObservatory
		var report string
		err := row.Scan(&p.Host, &p.FetchedAt, &report, &p.LastError)
		if report != "" {
			p.Report = json.RawMessage(report)
		}
		return p, err
	})
}

// StalePeerObservatories lists the allowlisted peers whose aggregates were
// not fetched since before (or never).
func (s *Store) StalePeerObservatories(ctx context.Context, before time.Time) ([]string, error) {
	rows, err := s.db.Query(ctx, `select d.host from domains d left join peer_observatories p on p.host = d.host
		where d.policy = 'allow' and (p.fetched_at is null or p.fetched_at < $1) order by d.host`, before)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ForgetPeerObservatoryTimes makes every peer's aggregates due for a fetch.
func (s *Store) ForgetPeerObservatoryTimes(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `update peer_observatories set fetched_at = '-infinity'`)
	return err
}
