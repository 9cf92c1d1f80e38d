package accounts

import (
	"context"

	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/store"
)

// SignUpsAwaitingApproval lists the sign-ups an admin has to answer.
func (s *Service) SignUpsAwaitingApproval(ctx context.Context, by *store.Account) ([]*store.Account, error) {
	if by != nil && by.Role != store.RoleAdmin {
		return nil, ErrForbidden
	}
	return s.Store.AccountsAwaitingApproval(ctx, 200)
}

// ApproveSignUp opens an account waiting for approval, and tells the
// applicant by mail. Only the node admin may (by == nil: the command line).
func (s *Service) ApproveSignUp(ctx context.Context, by *store.Account, accountID int64) error {
	if by != nil && by.Role != store.RoleAdmin {
		return ErrForbidden
	}
	return s.Store.Tx(ctx, func(tx *store.Store) error {
		acct, err := tx.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if err := tx.ApproveAccount(ctx, acct.ID); err != nil {
			return err
		}
		return s.mailAnswer(ctx, tx, acct, "approved")
	})
}

// RejectSignUp refuses a sign-up waiting for approval: the account and its
// actor, which never federated, are deleted, and the applicant is told.
func (s *Service) RejectSignUp(ctx context.Context, by *store.Account, accountID int64) error {
	if by != nil && by.Role != store.RoleAdmin {
		return ErrForbidden
	}
	return s.Store.Tx(ctx, func(tx *store.Store) error {
		acct, err := tx.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if acct.ApprovedAt != nil {
			return fieldErr("account", "this account was approved already")
		}
		if err := s.mailAnswer(ctx, tx, acct, "rejected"); err != nil {
			return err
		}
		return tx.DeleteLocalAccount(ctx, acct.ID)
	})
}

func (s *Service) mailAnswer(ctx context.Context, tx *store.Store, acct *store.Account, kind string) error {
	if s.Mail == nil {
		return nil
	}
	_, err := s.Mail.Queue(ctx, tx, mail.Message{To: acct.Email, Lang: acct.Locale, Kind: kind,
		Data: map[string]string{"Username": acct.Username, "Link": s.Links.Base + "/login"}})
	return err
}
