package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// Processor handles stored inbound activities, in the worker.
type Processor struct {
	Store     *store.Store
	Federator *federation.Federator
	Outbox    *outbox.Outbox
	Links     ap.Links
	Log       *slog.Logger
}

// errRefused marks an activity refused for good: it is recorded with the
// reason and never retried. Other errors are retried by the queue.
var errRefused = errors.New("refused")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errRefused, fmt.Sprintf(format, args...))
}

// incoming is an activity being processed.
type incoming struct {
	row   *store.Activity
	act   *vocab.Activity
	actor *store.Actor
}

// objectID is the id of the activity's object.
func (in *incoming) objectID() string {
	if in.act.Object == nil {
		return ""
	}
	return string(in.act.Object.GetLink())
}

type handlerFunc func(ctx context.Context, p *Processor, in *incoming) error

// handlers, one per activity type; each lives in its own file.
var handlers = map[vocab.ActivityVocabularyType]handlerFunc{}

func handle(typ vocab.ActivityVocabularyType, h handlerFunc) { handlers[typ] = h }

// Process handles one stored activity; it is safe to run twice.
func (p *Processor) Process(ctx context.Context, activityID int64) error {
	row, err := p.Store.ActivityByID(ctx, activityID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if row.ProcessedAt != nil || row.Local {
		return nil
	}
	err = p.process(ctx, row)
	switch {
	case err == nil:
		return p.Store.MarkProcessed(ctx, row.ID, "")
	case errors.Is(err, errRefused) || federation.IsGone(err) || errors.Is(err, federation.ErrBlocked) || errors.Is(err, ap.ErrNotActor):
		p.Log.Info("inbox: activity refused", "activity", row.URI, "type", row.Type, "reason", err)
		return p.Store.MarkProcessed(ctx, row.ID, err.Error())
	default:
		return err
	}
}

func (p *Processor) process(ctx context.Context, row *store.Activity) error {
	act, err := ParseActivity(row.Raw)
	if err != nil {
		return refused("%v", err)
	}
	h, ok := handlers[act.Type]
	if !ok {
		return refused("activity type %s is not handled", act.Type)
	}
	actor, err := p.Federator.Actor(ctx, row.ActorURI, false)
	if err != nil {
		return err
	}
	return h(ctx, p, &incoming{row: row, act: act, actor: actor})
}

// ParseActivity reads an activity with go-ap; an unknown or missing type is
// an error (go-ap returns nil for it).
func ParseActivity(raw []byte) (*vocab.Activity, error) {
	it, err := ap.Unmarshal(raw)
	if err != nil {
		return nil, fmt.Errorf("unreadable activity: %w", err)
	}
	if it == nil {
		return nil, errors.New("unsupported activity type")
	}
	if !vocab.ActivityTypes.Contains(it.GetType()) && !vocab.IntransitiveActivityTypes.Contains(it.GetType()) {
		return nil, fmt.Errorf("%s is not an activity", it.GetType())
	}
	act, err := vocab.ToActivity(it)
	if err != nil {
		return nil, err
	}
	if act.Actor == nil || act.Actor.GetLink() == "" {
		return nil, errors.New("activity without actor")
	}
	return act, nil
}

// sameHost tells whether two URLs are on one host (the origin rule).
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" && strings.EqualFold(ua.Host, ub.Host)
}

// trustedObject returns the activity's object as a document we may trust:
// embedded and on the actor's own host, or else fetched from its origin.
func (p *Processor) trustedObject(ctx context.Context, in *incoming) (vocab.Item, []byte, error) {
	obj := in.act.Object
	id := in.objectID()
	if id == "" {
		return nil, nil, refused("activity without object")
	}
	if obj != nil && obj.IsObject() && sameHost(id, in.actor.URI) {
		raw, err := embeddedRaw(in.row.Raw)
		return obj, raw, err
	}
	return p.fetchObject(ctx, id)
}

// fetchObject dereferences an object from its origin.
func (p *Processor) fetchObject(ctx context.Context, id string) (vocab.Item, []byte, error) {
	if p.Links.IsLocal(id) {
		return nil, nil, refused("object %s is ours: not taken from a peer", id)
	}
	raw, err := p.Federator.Fetch(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	it, err := ap.Unmarshal(raw)
	if err != nil || it == nil {
		return nil, nil, refused("object %s unreadable", id)
	}
	if string(it.GetID()) != id {
		return nil, nil, refused("object fetched from %s has id %s", id, it.GetID())
	}
	return it, raw, nil
}

// embeddedRaw extracts the JSON of the activity's embedded object.
func embeddedRaw(activity []byte) ([]byte, error) {
	var env struct {
		Object json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(activity, &env); err != nil {
		return nil, refused("malformed activity")
	}
	return env.Object, nil
}
