package client

import (
	"net/http"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// markerJSON is Mastodon's Marker entity.
type markerJSON struct {
	LastReadID string    `json:"last_read_id"`
	Version    int       `json:"version"`
	UpdatedAt  time.Time `json:"updated_at"`
}

var markerTimelines = []string{store.MarkerHome, store.MarkerNotifications}

// apiMarkers is GET /api/v1/markers?timeline[]=home&timeline[]=notifications.
func (api *API) apiMarkers(w http.ResponseWriter, r *http.Request) {
	timelines := listParam(r, "timeline")
	for _, t := range timelines {
		if t != store.MarkerHome && t != store.MarkerNotifications {
			respond.Fail(w, respond.InvalidField("timeline", "home or notifications"))
			return
		}
	}
	if len(timelines) == 0 {
		timelines = markerTimelines
	}
	markers, err := api.Store.Markers(r.Context(), auth.Account(r).ActorID, timelines)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, markersJSON(markers))
}

func markersJSON(markers map[string]store.Marker) map[string]markerJSON {
	out := make(map[string]markerJSON, len(markers))
	for t, m := range markers {
		out[t] = markerJSON{LastReadID: strconv.FormatInt(m.LastReadID, 10), Version: m.Version, UpdatedAt: m.UpdatedAt.UTC()}
	}
	return out
}

// apiSetMarkers is POST /api/v1/markers, with home[last_read_id] and
// notifications[last_read_id] as a form or as JSON objects.
func (api *API) apiSetMarkers(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	wanted := map[string]int64{}
	for _, t := range markerTimelines {
		var raw any
		if obj, ok := in[t].(map[string]any); ok {
			raw = obj["last_read_id"]
		} else if v, ok := in[t+"[last_read_id]"]; ok {
			raw = v
		} else {
			continue
		}
		var id int64
		var ok bool
		switch v := raw.(type) {
		case string:
			id, ok = respond.ParseID(v)
		case float64:
			id, ok = int64(v), v >= 1 && v == float64(int64(v))
		}
		if !ok {
			respond.Fail(w, respond.InvalidField(t+"[last_read_id]", "not an id"))
			return
		}
		wanted[t] = id
	}
	if len(wanted) == 0 {
		respond.Fail(w, respond.InvalidField("home", "give home[last_read_id] or notifications[last_read_id]"))
		return
	}
	out := map[string]store.Marker{}
	err := api.Store.Tx(r.Context(), func(tx *store.Store) error {
		for t, id := range wanted {
			m, err := tx.SetMarker(r.Context(), auth.Account(r).ActorID, t, id)
			if err != nil {
				return err
			}
			out[t] = m
		}
		return nil
	})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, markersJSON(out))
}
