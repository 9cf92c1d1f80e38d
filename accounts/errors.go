// Package accounts holds the rules of local accounts: sign-up with tiers from
// e-mail domains, passwords, access tokens, units and who may manage whom.
package accounts

import (
	"errors"
	"fmt"
)

// FieldError says which input is wrong; the web layer answers 422 with it.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// ErrForbidden is returned when the acting account lacks the right.
var ErrForbidden = errors.New("not allowed")

// ErrUnauthenticated is returned for a wrong password or token.
var ErrUnauthenticated = errors.New("wrong credentials")

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}
