// Package outbox turns what local users do into stored changes and
// ActivityPub activities: each action authorises, writes its objects, its
// activity and the deliveries to peers in one transaction, then hands the
// deliveries to the queue.
package outbox

import (
	"errors"
	"fmt"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// Outbox performs local users' actions.
type Outbox struct {
	Store    *store.Store
	Links    ap.Links
	Accounts *accounts.Service
}

// ErrForbidden is returned when the acting account may not do the action.
var ErrForbidden = accounts.ErrForbidden

// ErrNotFound is returned when the action's target does not exist or may not
// be seen by the actor.
var ErrNotFound = store.ErrNotFound

func fieldErr(field, format string, args ...any) error {
	return &accounts.FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
