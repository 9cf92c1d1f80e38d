// Package respond writes the JSON answers and reads the JSON or form input
// shared by the client API, the ActivityPub GETs, the well-known routes and
// the auth middleware: one error shape, one mapping from the lower layers'
// errors to status codes. It imports no handler package.
package respond

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/media"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// MaxJSONBody bounds client API bodies; uploads have their own limit.
const MaxJSONBody = 1 << 20

// JSON writes v as JSON with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ActivityJSON writes an ActivityStreams document.
func ActivityJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", ap.ContentType+"; charset=utf-8")
	w.Header().Set("Vary", "Accept, Signature")
	_, _ = w.Write(body)
}

// Error answers with Mastodon's error shape.
func Error(w http.ResponseWriter, status int, msg string) {
	JSON(w, status, map[string]string{"error": msg})
}

// Fail maps the errors of the lower layers to a status and message.
func Fail(w http.ResponseWriter, err error) {
	var fe *accounts.FieldError
	var ce *store.ConflictError
	var mbe *http.MaxBytesError
	var mte *outbox.MediaTypeError
	var lfe *fieldError
	var pe *media.Error
	switch {
	case errors.As(err, &pe) && errors.Is(err, media.ErrTooLarge):
		Error(w, http.StatusRequestEntityTooLarge, pe.Error())
	case errors.As(err, &pe):
		// Mastodon answers 422 for a file it cannot take.
		Error(w, http.StatusUnprocessableEntity, pe.Error())
	case errors.As(err, &lfe):
		JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": lfe.Error(), "field": lfe.field})
	case errors.As(err, &mte):
		Error(w, http.StatusUnsupportedMediaType, mte.Error())
	case errors.Is(err, outbox.ErrTooLarge):
		Error(w, http.StatusRequestEntityTooLarge, "file larger than this node accepts")
	case errors.As(err, &fe):
		JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": fe.Error(), "field": fe.Field})
	case errors.As(err, &ce):
		JSON(w, http.StatusConflict, map[string]string{"error": ce.Error(), "field": ce.Field})
	case errors.As(err, &mbe):
		Error(w, http.StatusRequestEntityTooLarge, "request body too large")
	case errors.Is(err, store.ErrNotFound):
		Error(w, http.StatusNotFound, "not found")
	case errors.Is(err, accounts.ErrForbidden):
		Error(w, http.StatusForbidden, "not allowed")
	case errors.Is(err, accounts.ErrUnauthenticated):
		Error(w, http.StatusUnauthorized, "wrong credentials")
	case errors.Is(err, errBadInput):
		Error(w, http.StatusBadRequest, err.Error())
	default:
		Error(w, http.StatusInternalServerError, "internal error")
	}
}

var errBadInput = errors.New("bad input")

// BadInput is a 400 with msg as the error.
func BadInput(msg string) error { return &badInput{msg} }

type badInput struct{ msg string }

func (b *badInput) Error() string { return b.msg }
func (b *badInput) Is(t error) bool {
	return t == errBadInput
}

// Decode reads a JSON or form body into dst, as Mastodon clients send
// either. Form fields map to JSON fields by name; "name[]" fields are lists.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	return DecodeWithin(w, r, dst, MaxJSONBody)
}

// DecodeWithin is Decode with another limit on the body, for the requests
// whose own fields have larger limits (a wiki page of 1 MiB, escaped in
// JSON), so that those fields are refused by name rather than by size.
func DecodeWithin(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json", "":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		if len(strings.TrimSpace(string(body))) == 0 {
			if ct == "" {
				return nil
			}
			return &badInput{"empty JSON body"}
		}
		if !utf8.Valid(body) || bytes.Contains(body, []byte(`\u0000`)) {
			return &badInput{"the body must be UTF-8 text without NUL characters"}
		}
		if err := json.Unmarshal(body, dst); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return &badInput{"field " + typeErr.Field + ": wrong type"}
			}
			return &badInput{"malformed JSON"}
		}
		return nil
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseMultipartForm(limit); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return &badInput{"malformed form"}
		}
		return DecodeForm(r.Form, dst)
	default:
		return &badInput{"unsupported content type " + ct}
	}
}

// DecodeForm reads form fields into dst as Decode does.
func DecodeForm(f url.Values, dst any) error {
	if field := BadTextIn(f); field != "" {
		return InvalidField(field, "must be UTF-8 text without NUL characters")
	}
	b, _ := json.Marshal(formToMap(f))
	if err := json.Unmarshal(b, dst); err != nil {
		return &badInput{"malformed form"}
	}
	return nil
}

func formToMap(f url.Values) map[string]any {
	out := make(map[string]any, len(f))
	for k, v := range f {
		if name, ok := strings.CutSuffix(k, "[]"); ok {
			out[name] = v
			continue
		}
		if len(v) > 0 {
			switch v[0] {
			case "true":
				out[k] = true
			case "false":
				out[k] = false
			default:
				out[k] = v[0]
			}
		}
	}
	return out
}

// WantsActivityJSON is content negotiation: ActivityPub clients ask for
// activity+json or ld+json with the ActivityStreams profile.
func WantsActivityJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/activity+json":
			return true
		case "application/ld+json":
			if p, ok := params["profile"]; !ok || strings.Contains(p, "https://www.w3.org/ns/activitystreams") {
				return true
			}
		case "application/json":
			return true
		}
	}
	return false
}

// InvalidField is a 422 naming the field at fault.
func InvalidField(field, msg string) error { return &fieldError{field, msg} }

type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// ParseID reads an opaque id of the client API.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// GoodText tells whether s can be stored and shown as text: valid UTF-8
// without NUL (which PostgreSQL refuses in text, with an error whose text
// must not reach the client).
func GoodText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// BadTextIn names the first field of a form or query whose name or value is
// not GoodText, "" when all are.
func BadTextIn(v url.Values) string {
	for k, vals := range v {
		if !GoodText(k) {
			return "?"
		}
		for _, s := range vals {
			if !GoodText(s) {
				return k
			}
		}
	}
	return ""
}

// CheckText is the one check of text where requests are decoded: a path,
// query string or form field with a NUL or invalid UTF-8 is answered 400
// (422 naming the field of a form) before any handler reads it. JSON bodies
// are checked by Decode, multipart fields by their readers.
func CheckText(next http.Handler) http.Handler { return CheckTextWith(nil)(next) }

// CheckTextWith is CheckText answering a browser's request for a page with
// page(w, r, status) instead of JSON, when page is not nil.
func CheckTextWith(page func(w http.ResponseWriter, r *http.Request, status int)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			refuse := func(status int, field string) {
				switch {
				case page != nil && WantsPage(r):
					page(w, r, status)
				case field == "":
					Error(w, status, "the address must be UTF-8 text without NUL characters")
				default:
					JSON(w, status, map[string]string{"error": field + ": must be UTF-8 text without NUL characters", "field": field})
				}
			}
			if !GoodText(r.URL.Path) || !GoodText(r.URL.RawQuery) {
				refuse(http.StatusBadRequest, "")
				return
			}
			if field := BadTextIn(r.URL.Query()); field != "" {
				refuse(http.StatusBadRequest, field)
				return
			}
			if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" &&
				(r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
				// The form is checked even when parsing failed (a malformed
				// query, a bad escape): what was parsed is what handlers see.
				_ = r.ParseForm()
				if field := BadTextIn(r.PostForm); field != "" {
					refuse(http.StatusUnprocessableEntity, field)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// WantsPage tells a browser's request for a page (it accepts text/html)
// from a call of the client API, the token endpoints or the discovery
// documents, which always answer JSON.
func WantsPage(r *http.Request) bool {
	p := r.URL.Path
	for _, prefix := range []string{"/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo/"} {
		if strings.HasPrefix(p, prefix) {
			return false
		}
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
