package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Filter contexts and actions (Mastodon's).
var FilterContexts = []string{"home", "notifications", "public", "thread", "account"}

const (
	FilterWarn = "warn" // shown behind a warning (the status's filtered)
	FilterHide = "hide" // left out
)

// Filter is one of a person's keyword filters.
type Filter struct {
	ID        int64
	AccountID int64
	Title     string
	Context   []string
	Action    string
	ExpiresAt *time.Time
	CreatedAt time.Time
	Keywords  []FilterKeyword
}

// FilterKeyword is a word or phrase a filter matches.
type FilterKeyword struct {
	ID        int64
	Keyword   string
	WholeWord bool
}

// KeywordChange is one keywords_attributes entry of an edit: a new keyword
// (ID 0), a changed one, or one to remove (Destroy).
type KeywordChange struct {
	ID        int64
	Keyword   string
	WholeWord bool
	Destroy   bool
}

// SaveFilter creates (ID 0) or updates an account's filter with its
// keyword changes, in one transaction; ErrNotFound for another's filter.
func (s *Store) SaveFilter(ctx context.Context, f *Filter, changes []KeywordChange) error {
	return s.Tx(ctx, func(tx *Store) error {
		if f.ID == 0 {
			if err := tx.db.QueryRow(ctx, `insert into filters (account_id, title, context, action, expires_at)
				values ($1, $2, $3, $4, $5) returning id, created_at`, f.AccountID, f.Title, f.Context, f.Action, f.ExpiresAt).
				Scan(&f.ID, &f.CreatedAt); err != nil {
				return err
			}
		} else {
			tag, err := tx.db.Exec(ctx, `update filters set title = $3, context = $4, action = $5, expires_at = $6
				where id = $1 and account_id = $2`, f.ID, f.AccountID, f.Title, f.Context, f.Action, f.ExpiresAt)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return ErrNotFound
			}
		}
		for _, c := range changes {
			var err error
			switch {
			case c.ID == 0 && !c.Destroy:
				_, err = tx.db.Exec(ctx, `insert into filter_keywords (filter_id, keyword, whole_word) values ($1, $2, $3)`,
					f.ID, c.Keyword, c.WholeWord)
			case c.Destroy:
				_, err = tx.db.Exec(ctx, `delete from filter_keywords where id = $1 and filter_id = $2`, c.ID, f.ID)
			default:
				_, err = tx.db.Exec(ctx, `update filter_keywords set keyword = $3, whole_word = $4 where id = $1 and filter_id = $2`,
					c.ID, f.ID, c.Keyword, c.WholeWord)
			}
			if err != nil {
				return err
			}
		}
		got, err := tx.FilterByID(ctx, f.AccountID, f.ID)
		if err == nil {
			*f = *got
		}
		return err
	})
}

// Filters lists an account's filters with their keywords, oldest first;
// active leaves out the expired ones.
func (s *Store) Filters(ctx context.Context, accountID int64, active bool) ([]*Filter, error) {
	return s.filtersWhere(ctx, `f.account_id = $1 and (not $2 or f.expires_at is null or f.expires_at > now())`, accountID, active)
}

// FilterByID loads one of an account's filters.
func (s *Store) FilterByID(ctx context.Context, accountID, id int64) (*Filter, error) {
	list, err := s.filtersWhere(ctx, `f.account_id = $1 and f.id = $2`, accountID, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return list[0], nil
}

func (s *Store) filtersWhere(ctx context.Context, where string, args ...any) ([]*Filter, error) {
	rows, err := s.db.Query(ctx, `select f.id, f.account_id, f.title, f.context, f.action, f.expires_at, f.created_at,
		coalesce(k.id, 0), coalesce(k.keyword, ''), coalesce(k.whole_word, false)
		from filters f left join filter_keywords k on k.filter_id = f.id where `+where+` order by f.id, k.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []*Filter
	var f Filter
	var k FilterKeyword
	_, err = pgx.ForEachRow(rows, []any{&f.ID, &f.AccountID, &f.Title, &f.Context, &f.Action, &f.ExpiresAt, &f.CreatedAt,
		&k.ID, &k.Keyword, &k.WholeWord}, func() error {
		if len(out) == 0 || out[len(out)-1].ID != f.ID {
			cp := f
			cp.Keywords = nil
			out = append(out, &cp)
		}
		if k.ID != 0 {
			out[len(out)-1].Keywords = append(out[len(out)-1].Keywords, k)
		}
		return nil
	})
	return out, err
}

// DeleteFilter removes one of an account's filters.
func (s *Store) DeleteFilter(ctx context.Context, accountID, id int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `delete from filters where id = $1 and account_id = $2`, id, accountID)
	return tag.RowsAffected() > 0, err
}
