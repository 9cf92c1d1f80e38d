package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Mail states.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailDead    = "dead"
)

// Mail is one outgoing message of the mail outbox.
type Mail struct {
	ID        int64
	AccountID *int64
	Kind      string
	To        string
	Subject   string
	Text      string
	HTML      string
	MessageID string
	State     string
	Attempts  int
	NextAt    time.Time
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
	// DedupKey names the event the mail is about ("" for none): one mail
	// per event.
	DedupKey string
	// Unsubscribe is its one-click unsubscribe URL ("" for none).
	Unsubscribe string
}

const mailColumns = `id, account_id, kind, to_address, subject, text_body, html_body, message_id, state, attempts,
	next_at, last_error, created_at, sent_at, coalesce(dedup_key, ''), unsubscribe_url`

func scanMail(row rowScanner) (*Mail, error) {
	var m Mail
	err := row.Scan(&m.ID, &m.AccountID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML, &m.MessageID, &m.State, &m.Attempts,
		&m.NextAt, &m.LastError, &m.CreatedAt, &m.SentAt, &m.DedupKey, &m.Unsubscribe)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &m, nil
}

// InsertMail adds a pending message and sets its ID; false (and no row)
// when a message with the same DedupKey exists.
func (s *Store) InsertMail(ctx context.Context, m *Mail) (bool, error) {
	m.State = MailPending
	var dedup *string
	if m.DedupKey != "" {
		dedup = &m.DedupKey
	}
	err := s.db.QueryRow(ctx, `insert into mails (account_id, kind, to_address, subject, text_body, html_body, message_id,
		dedup_key, unsubscribe_url) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		on conflict (dedup_key) where dedup_key is not null do nothing returning id, next_at, created_at`,
		m.AccountID, m.Kind, m.To, m.Subject, m.Text, m.HTML, m.MessageID, dedup, m.Unsubscribe).Scan(&m.ID, &m.NextAt, &m.CreatedAt)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// MailByID loads a message.
func (s *Store) MailByID(ctx context.Context, id int64) (*Mail, error) {
	return scanMail(s.db.QueryRow(ctx, `select `+mailColumns+` from mails where id = $1`, id))
}

// MarkMailSent records a sent message and forgets its bodies (they may hold
// a link that only the recipient should have).
func (s *Store) MarkMailSent(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `update mails set state = 'sent', sent_at = now(), attempts = attempts + 1,
		last_error = '', text_body = '', html_body = '' where id = $1 and state = 'pending'`, id)
	return err
}

// MarkMailRetry records a failed attempt and when the next one is due.
func (s *Store) MarkMailRetry(ctx context.Context, id int64, next time.Time, lastError string) error {
	_, err := s.db.Exec(ctx, `update mails set attempts = attempts + 1, next_at = $2, last_error = $3
		where id = $1 and state = 'pending'`, id, next, lastError)
	return err
}

// MarkMailDead gives a message up (refused for good, or failing too long).
func (s *Store) MarkMailDead(ctx context.Context, id int64, lastError string) error {
	_, err := s.db.Exec(ctx, `update mails set state = 'dead', attempts = attempts + 1, last_error = $2,
		text_body = '', html_body = '' where id = $1 and state = 'pending'`, id, lastError)
	return err
}

// DueMail is a pending message whose attempt is due.
type DueMail struct {
	ID       int64
	Attempts int
	NextAt   time.Time
}

// DueMails lists pending messages due before a time, for the reconciler.
func (s *Store) DueMails(ctx context.Context, before time.Time, limit int) ([]DueMail, error) {
	rows, err := s.db.Query(ctx, `select id, attempts, next_at from mails where state = 'pending' and next_at <= $1
		order by next_at limit $2`, before, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[DueMail])
}

// MailsTo lists the messages sent or to send to an address, newest first
// (tests and the admin read them).
func (s *Store) MailsTo(ctx context.Context, to string, limit int) ([]*Mail, error) {
	rows, err := s.db.Query(ctx, `select `+mailColumns+` from mails where lower(to_address) = lower($1)
		order by id desc limit $2`, to, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Mail, error) { return scanMail(r) })
}
