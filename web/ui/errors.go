package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

var errNotFoundPage = store.ErrNotFound

// errorData is what the error page shows: what went wrong, what to do.
type errorData struct {
	Message string
	Hint    string
	Status  int
}

// errorPage answers with a page in the reader's language.
func (u *UI) errorPage(w http.ResponseWriter, r *http.Request, status int, msgKey, hintKey string) {
	v := u.newView(r, "title.error", "")
	v.Data = errorData{Message: v.T(msgKey), Hint: v.T(hintKey), Status: status}
	u.render(w, status, "error", v)
}

// fail turns an error from the lower layers into an error page.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg, hint := classify(err)
	if status == http.StatusInternalServerError {
		u.Log.Error("page", "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnprocessableEntity {
		// A rule the form broke, not tied to a field shown again.
		v := u.newView(r, "title.error", "")
		v.Data = errorData{Message: fieldMessage(v.Lang, err), Hint: v.T("hint.back"), Status: status}
		u.render(w, status, "error", v)
		return
	}
	u.errorPage(w, r, status, msg, hint)
}

func classify(err error) (status int, msg, hint string) {
	var fe *accounts.FieldError
	var ce *store.ConflictError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &fe), errors.As(err, &ce):
		return http.StatusUnprocessableEntity, "", ""
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, "err.too_large", "hint.shorter"
	case errors.Is(err, federation.ErrNoSuchAccount), federation.IsGone(err):
		return http.StatusNotFound, "err.remote_unknown", "hint.check_handle"
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "err.not_found", "hint.not_found"
	case errors.Is(err, outbox.ErrRefusedByGroup), errors.Is(err, accounts.ErrForbidden):
		return http.StatusForbidden, "err.forbidden", "hint.forbidden"
	case errors.Is(err, accounts.ErrUnauthenticated):
		return http.StatusUnauthorized, "err.login_needed", "hint.login"
	case errors.Is(err, federation.ErrBlocked):
		return http.StatusForbidden, "err.blocked", "hint.blocked"
	case errors.Is(err, federation.ErrForbiddenAddress):
		return http.StatusUnprocessableEntity, "err.address", "hint.check_handle"
	case isRemoteFailure(err):
		return http.StatusBadGateway, "err.remote_down", "hint.later"
	}
	return http.StatusInternalServerError, "err.internal", "hint.later"
}

func isRemoteFailure(err error) bool {
	var fe *federation.FetchError
	return errors.As(err, &fe) || strings.Contains(err.Error(), "dial") || strings.Contains(err.Error(), "webfinger")
}

// fieldErrors maps a validation error to the form field it names; ok is
// false for other errors.
func fieldErrors(lang string, err error) (map[string]string, bool) {
	var fe *accounts.FieldError
	var ce *store.ConflictError
	switch {
	case errors.As(err, &fe):
		return map[string]string{formField(fe.Field): fieldMessage(lang, err)}, true
	case errors.As(err, &ce):
		return map[string]string{formField(ce.Field): fieldMessage(lang, err)}, true
	}
	return nil, false
}

// refuseForm shows a form's page again with the services' refusal next to
// its fields; an error that is not about a field is an error page.
func (u *UI) refuseForm(w http.ResponseWriter, r *http.Request, v *view, page string, err error) {
	errs, ok := fieldErrors(v.Lang, err)
	if !ok {
		u.fail(w, r, err)
		return
	}
	v.Errors = errs
	u.render(w, http.StatusUnprocessableEntity, page, v)
}

// formField maps the services' field names to the forms' ones.
func formField(f string) string {
	switch f {
	case "status":
		return "text"
	case "note":
		return "bio"
	}
	return f
}

// fieldMessage explains a validation error in the reader's language: the
// catalogue's rule for that field when it has one.
func fieldMessage(lang string, err error) string {
	var fe *accounts.FieldError
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce):
		if hasMessage(lang, "taken."+ce.Field) {
			return translate(lang, "taken."+ce.Field)
		}
		return translate(lang, "taken.other")
	case errors.As(err, &fe):
		if fe.Message == "required" {
			return translate(lang, "rule.required")
		}
		if hasMessage(lang, "rule."+fe.Field) {
			return translate(lang, "rule."+fe.Field)
		}
		return translate(lang, "rule.other", fe.Error())
	}
	return translate(lang, "err.internal")
}
