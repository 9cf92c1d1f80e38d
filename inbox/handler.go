// Package inbox is what happens when a peer sends us an activity: the HTTP
// inbox verifies and stores it and answers at once; the worker then
// processes it, one handler per activity type, each with its own
// authorisation rule next to its effect.
package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
)

// MaxBodyBytes is the largest activity accepted.
const MaxBodyBytes = 1 << 20

// Refusal reasons, for the metrics and the logs.
const (
	ReasonTooLarge      = "too_large"
	ReasonMalformed     = "malformed"
	ReasonBlocked       = "blocked"
	ReasonActorMismatch = "actor_mismatch"
	ReasonOrigin        = "origin"
	ReasonStore         = "store"
	ReasonRateLimited   = "rate_limited"
	ReasonMediaType     = "media_type"
	ReasonForged        = "forged"
)

// Handler is the HTTP inbox (shared and per actor).
type Handler struct {
	Store     *store.Store
	Federator *federation.Federator
	// Enqueue schedules the processing of a stored activity.
	Enqueue func(ctx context.Context, activityID int64) error
	Log     *slog.Logger
	// Allow applies the per-host rate limit (nil: none).
	Allow func(host string) bool
	// Accepted, Duplicate and Refused feed the metrics; may be nil.
	Accepted  func()
	Duplicate func()
	Refused   func(reason string)
	Now       func() time.Time
}

// envelope is what the inbox reads before processing.
type envelope struct {
	ID     string          `json:"id"`
	Type   json.RawMessage `json:"type"`
	Actor  json.RawMessage `json:"actor"`
	Object json.RawMessage `json:"object"`
}

func (h *Handler) refuse(w http.ResponseWriter, status int, reason, msg string) {
	if h.Refused != nil {
		h.Refused(reason)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !acceptableContentType(r.Header.Get("Content-Type")) {
		h.refuse(w, http.StatusUnsupportedMediaType, ReasonMediaType,
			"an activity is sent as application/activity+json, application/ld+json or application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.refuse(w, http.StatusRequestEntityTooLarge, ReasonTooLarge, "activity larger than 1 MiB")
		} else {
			h.refuse(w, http.StatusBadRequest, ReasonMalformed, "cannot read body")
		}
		return
	}
	env, err := readEnvelope(body)
	if err != nil {
		h.refuse(w, http.StatusBadRequest, ReasonMalformed, err.Error())
		return
	}
	typ := firstString(env.Type)
	actorURI := idOf(env.Actor)
	actorURL, err := url.Parse(actorURI)
	if typ == "" || env.ID == "" || err != nil || actorURL.Host == "" || (actorURL.Scheme != "https" && actorURL.Scheme != "http") {
		h.refuse(w, http.StatusBadRequest, ReasonMalformed, "an activity needs an id, a type and an actor URL")
		return
	}
	host := store.NormalizeHost(actorURL.Host)
	if h.Allow != nil && !h.Allow(host) {
		w.Header().Set("Retry-After", "1")
		h.refuse(w, http.StatusTooManyRequests, ReasonRateLimited, "too many activities from "+host+": retry later")
		return
	}
	hostState, err := h.Federator.HostState(ctx, host)
	if err != nil {
		if errors.Is(err, federation.ErrBlocked) {
			h.refuse(w, http.StatusForbidden, ReasonBlocked, "this node does not federate with "+host)
		} else {
			h.refuse(w, http.StatusInternalServerError, ReasonStore, "internal error")
		}
		return
	}
	// The key must live on the actor's host: otherwise any sender could make
	// us fetch keys from anywhere.
	if keyHost := signatureKeyHost(r); keyHost != "" && store.NormalizeHost(keyHost) != store.NormalizeHost(actorURL.Host) {
		h.refuse(w, http.StatusUnauthorized, ReasonActorMismatch, "the signing key does not belong to the activity's actor: it is not on its host")
		return
	}
	verified, err := h.Federator.VerifyRequest(ctx, r, body, h.now())
	if err != nil {
		var se *federation.SignatureError
		reason := "bad_signature"
		if errors.As(err, &se) {
			reason = se.Reason
		}
		// A deleted account announces its own deletion after its key is gone:
		// nothing to verify, nothing to keep.
		if typ == "Delete" && idOf(env.Object) == actorURI && reason == federation.ReasonUnknownKey {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		h.Log.Debug("inbox: signature refused", "actor", actorURI, "reason", reason, "err", err)
		h.refuse(w, http.StatusUnauthorized, reason, "signature not valid: "+reason)
		return
	}
	if verified.Owner != actorURI {
		h.refuse(w, http.StatusUnauthorized, ReasonActorMismatch, "the signing key does not belong to the activity's actor")
		return
	}
	if id, err := url.Parse(env.ID); err != nil || !strings.EqualFold(id.Host, actorURL.Host) {
		h.refuse(w, http.StatusBadRequest, ReasonOrigin, "the activity's id is not on its actor's host")
		return
	}
	if why := forgedAttribution(env, actorURI); why != "" {
		h.refuse(w, http.StatusForbidden, ReasonForged, why)
		return
	}
	act := &store.Activity{URI: env.ID, Type: typ, ActorURI: actorURI, ObjectURI: idOf(env.Object), Raw: body, Signer: verified.KeyID}
	inserted, err := h.Store.InsertActivity(ctx, act)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "22") {
		// PostgreSQL refuses the text (\u0000, a lone surrogate): refusing it
		// for good spares the peer two days of retries.
		h.refuse(w, http.StatusBadRequest, ReasonMalformed, "the activity contains characters that cannot be stored")
		return
	}
	if err != nil {
		h.Log.Error("inbox: store activity", "err", err)
		h.refuse(w, http.StatusInternalServerError, ReasonStore, "internal error")
		return
	}
	if !inserted {
		if h.Duplicate != nil {
			h.Duplicate()
		}
		w.WriteHeader(http.StatusAccepted)
		return
	}
	// A message from a host we had given up on means it is back.
	if hostState.Unreachable {
		if _, err := h.Store.DeliverySuccess(ctx, host); err == nil {
			_ = h.Store.ResumeHost(ctx, host)
		}
	}
	if err := h.Enqueue(ctx, act.ID); err != nil {
		h.Log.Warn("inbox: enqueue; the reconciler will retry", "activity", act.URI, "err", err)
	}
	if h.Accepted != nil {
		h.Accepted()
	}
	w.WriteHeader(http.StatusAccepted)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// readEnvelope reads the fields the inbox checks, by their exact names as
// go-ap reads them later. Keys that differ only by case ("actor", "Actor")
// are refused: two readers of the same bytes must not see two actors.
func readEnvelope(body []byte) (envelope, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return envelope{}, errors.New("malformed JSON")
	}
	seen := make(map[string]bool, len(fields))
	for k := range fields {
		folded := strings.ToLower(k)
		if seen[folded] {
			return envelope{}, errors.New("keys that differ only by case: " + folded)
		}
		seen[folded] = true
	}
	var env envelope
	_ = json.Unmarshal(fields["id"], &env.ID)
	env.Type, env.Actor, env.Object = fields["type"], fields["actor"], fields["object"]
	return env, nil
}

// signatureKeyHost is the host of the key id a request is signed with (RFC
// 9421 or draft-cavage), or "" when it cannot be read (verification then
// says why).
func signatureKeyHost(r *http.Request) string {
	keyID, err := federation.SignatureKeyID(r)
	if err != nil {
		return ""
	}
	u, err := url.Parse(keyID)
	if err != nil {
		return ""
	}
	return u.Host
}

// idOf reads a JSON-LD reference: a string, or an object with an id.
func idOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.ID
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return idOf(list[0])
	}
	return ""
}

// firstString reads a type that may be a string or an array of strings.
func firstString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return ""
}
