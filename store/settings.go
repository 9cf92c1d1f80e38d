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

// SetSettingOnce writes a setting unless it exists, and returns the value
// that holds: of several processes racing, the first wins for all.
func (s *Store) SetSettingOnce(ctx context.Context, key, value string) (string, error) {
	_, err := s.db.Exec(ctx, `insert into settings (key, value) values ($1, $2) on conflict (key) do nothing`, key, value)
	if err != nil {
		return "", err
	}
	err = s.db.QueryRow(ctx, `select value from settings where key = $1`, key).Scan(&value)
	return value, err
}
