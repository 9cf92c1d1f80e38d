package store

import "context"

// Setting keys.
const (
	SettingFederationMode          = "federation_mode"
	SettingPartnersMayCreateGroups = "partners_may_create_groups"
)

// Setting reads a node setting; ok is false when it was never set.
func (s *Store) Setting(ctx context.Context, key string) (value string, ok bool, err error) {
	err = s.db.QueryRow(ctx, `select value from settings where key = $1`, key).Scan(&value)
	if err = notFoundOr(err); err == ErrNotFound {
		return "", false, nil
	}
	return value, err == nil, err
}

// SetSetting writes a node setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.Exec(ctx, `insert into settings (key, value) values ($1, $2)
		on conflict (key) do update set value = excluded.value`, key, value)
	return err
}

// SettingOnce reads a setting that is made once and never changes (a key):
// the first process to ask writes make's value, every other reads it.
func (s *Store) SettingOnce(ctx context.Context, key string, make func() string) (string, error) {
	var value string
	err := s.db.QueryRow(ctx, `with ins as (insert into settings (key, value) values ($1, $2)
		on conflict (key) do nothing returning value)
		select value from ins union all select value from settings where key = $1 limit 1`, key, make()).Scan(&value)
	return value, err
}
