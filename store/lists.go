package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// Lists: a person's named sets of accounts they follow, each with its
// timeline (Mastodon's lists).

// List replies policies, Mastodon's.
const (
	RepliesFollowed = "followed" // replies to anyone the owner follows
	RepliesList     = "list"     // replies to members of the list
	RepliesNone     = "none"     // no replies
)

// MaxLists bounds how many lists one person has.
const MaxLists = 100

// List is one of a person's lists.
type List struct {
	ID            int64
	OwnerID       int64
	Title         string
	RepliesPolicy string
	// Exclusive takes the list's members' posts out of the home timeline.
	Exclusive bool
}

const listColumns = `id, owner_id, title, replies_policy, exclusive`

// CreateList adds a list; it fails with ErrTooManyLists past MaxLists.
func (s *Store) CreateList(ctx context.Context, l *List) error {
	err := s.db.QueryRow(ctx, `insert into lists (owner_id, title, replies_policy, exclusive)
		select $1, $2, $3, $4 where (select count(*) from lists where owner_id = $1) < $5 returning id`,
		l.OwnerID, l.Title, l.RepliesPolicy, l.Exclusive, MaxLists).Scan(&l.ID)
	if err = notFoundOr(err); err == ErrNotFound {
		return ErrTooManyLists
	}
	return err
}

// ErrTooManyLists is MaxLists reached.
var ErrTooManyLists = errors.New("too many lists")

// UpdateList writes a list's title and options.
func (s *Store) UpdateList(ctx context.Context, l *List) error {
	tag, err := s.db.Exec(ctx, `update lists set title = $3, replies_policy = $4, exclusive = $5 where id = $1 and owner_id = $2`,
		l.ID, l.OwnerID, l.Title, l.RepliesPolicy, l.Exclusive)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	return err
}

// DeleteList removes one of an owner's lists.
func (s *Store) DeleteList(ctx context.Context, ownerID, id int64) error {
	tag, err := s.db.Exec(ctx, `delete from lists where id = $1 and owner_id = $2`, id, ownerID)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	return err
}

// ListOf loads one of an owner's lists (ErrNotFound for another's).
func (s *Store) ListOf(ctx context.Context, ownerID, id int64) (*List, error) {
	rows, err := s.db.Query(ctx, `select `+listColumns+` from lists where id = $1 and owner_id = $2`, id, ownerID)
	if err != nil {
		return nil, err
	}
	l, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByPos[List])
	return l, notFoundOr(err)
}

// Lists lists an owner's lists by title; with memberID set, only those
// holding that account.
func (s *Store) Lists(ctx context.Context, ownerID, memberID int64) ([]*List, error) {
	rows, err := s.db.Query(ctx, `select `+listColumns+` from lists l where owner_id = $1
		and ($2 = 0 or exists (select 1 from list_accounts where list_id = l.id and account_id = $2))
		order by lower(title), id limit $3`, ownerID, memberID, MaxLists)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToAddrOfStructByPos[List])
}

// AddToList adds accounts to a list; only accounts the owner follows
// (accepted) are added, and it tells how many of those asked were not.
func (s *Store) AddToList(ctx context.Context, l *List, accountIDs []int64) (notFollowed int, err error) {
	var n int
	if err := s.db.QueryRow(ctx, `select count(*) from unnest($2::bigint[]) x(id) where x.id <> $1 and not exists
		(select 1 from follows where follower_id = $1 and followee_id = x.id and state = 'accepted')`, l.OwnerID, accountIDs).Scan(&n); err != nil || n > 0 {
		return n, err
	}
	_, err = s.db.Exec(ctx, `insert into list_accounts (list_id, account_id) select $1, x.id from unnest($2::bigint[]) x(id)
		on conflict do nothing`, l.ID, accountIDs)
	return 0, err
}

// RemoveFromList takes accounts out of a list.
func (s *Store) RemoveFromList(ctx context.Context, l *List, accountIDs []int64) error {
	_, err := s.db.Exec(ctx, `delete from list_accounts where list_id = $1 and account_id = any($2)`, l.ID, accountIDs)
	return err
}

// ListAccounts pages through a list's accounts, the latest added first.
func (s *Store) ListAccounts(ctx context.Context, l *List, p Page) ([]Listed, error) {
	return s.listed(ctx, `select l.id, null::timestamptz, `+prefixed("a", actorColumns)+`
		from list_accounts l join actors a on a.id = l.account_id where l.list_id = $1`, l.ID, p)
}

// ListTimeline lists, newest first, the posts and shares of a list's
// accounts that its owner may read, with the replies its policy keeps,
// less what the owner's blocks and mutes hide.
func (s *Store) ListTimeline(ctx context.Context, l *List, p Page) ([]*Object, error) {
	p = p.normalised()
	return s.queryObjects(ctx, p, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.deleted_at is null and o.id < $3 and o.id > $4
		  and o.attributed_to in (select account_id from list_accounts where list_id = $1)
		  and ((o.type in `+postTypes+` and `+visibleSQL("$2::bigint")+`) or o.type = 'Announce')
		  and (o.in_reply_to = ''
		    or ($5 = 'followed' and exists (select 1 from objects rp where rp.uri = o.in_reply_to and (rp.attributed_to = $2
		      or rp.attributed_to in (select followee_id from follows where follower_id = $2 and state = 'accepted'))))
		    or ($5 = 'list' and exists (select 1 from objects rp where rp.uri = o.in_reply_to and (rp.attributed_to = $2
		      or rp.attributed_to in (select account_id from list_accounts where list_id = $1)))))
		  and not `+postHiddenSQL("$2::bigint", HideInTimelines)+`
		order by o.id `+p.order()+` limit $6`, l.ID, l.OwnerID, p.MaxID, p.lower(), l.RepliesPolicy, p.Limit)
}
