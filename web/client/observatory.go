package client

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/observatory"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// apiGroupStats is a group's indicators, for its owners and animators (and
// the node's admins): GET /api/v1/groups/:id/stats?from=&to=&step=.
func (api *API) apiGroupStats(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	if !g.Local {
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "a group's indicators are kept by its own node", "field": "id"})
		return
	}
	if may, err := api.Outbox.CanModerate(r.Context(), auth.Account(r), g); err != nil {
		respond.Fail(w, err)
		return
	} else if !may {
		respond.Error(w, http.StatusForbidden, "only the group's owners and animators see its indicators")
		return
	}
	api.writeReport(w, r, store.ObservatoryScope{GroupIDs: []int64{g.ID}})
}

// apiObservatory is the node's indicators, or a unit's (unit_id, with its
// sub-units): node admins see every unit, unit admins theirs.
func (api *API) apiObservatory(w http.ResponseWriter, r *http.Request) {
	acct := auth.Account(r)
	var scope store.ObservatoryScope
	unit := r.URL.Query().Get("unit_id")
	if unit == "" && acct.Role == store.RoleUnitAdmin && acct.UnitID != nil {
		unit = strconv.FormatInt(*acct.UnitID, 10)
	}
	if unit != "" {
		id, ok := respond.ParseID(unit)
		if !ok {
			respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "not a unit id", "field": "unit_id"})
			return
		}
		subtree, err := api.Store.UnitSubtree(r.Context(), id)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		if len(subtree) == 0 {
			respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "no such unit", "field": "unit_id"})
			return
		}
		if acct.Role != store.RoleAdmin {
			if acct.Role != store.RoleUnitAdmin || acct.UnitID == nil || !api.inSubtree(r, *acct.UnitID, id) {
				respond.Error(w, http.StatusForbidden, "unit admins see their own units only")
				return
			}
		}
		scope.UnitIDs = subtree
	} else if acct.Role != store.RoleAdmin {
		respond.Error(w, http.StatusForbidden, "the node's indicators are for its admins")
		return
	}
	api.writeReport(w, r, scope)
}

// inSubtree tells whether unit lies under (or is) root.
func (api *API) inSubtree(r *http.Request, root, unit int64) bool {
	ids, err := api.Store.UnitSubtree(r.Context(), root)
	if err != nil {
		return false
	}
	for _, id := range ids {
		if id == unit {
			return true
		}
	}
	return false
}

// writeReport computes a report over the query's period, as JSON or, with
// format=csv, as CSV.
func (api *API) writeReport(w http.ResponseWriter, r *http.Request, scope store.ObservatoryScope) {
	q := r.URL.Query()
	p, err := observatory.ParsePeriod(q.Get("from"), q.Get("to"), q.Get("step"), time.Now())
	var fe *observatory.FieldError
	if errors.As(err, &fe) {
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": fe.Message, "field": fe.Field})
		return
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "json or csv", "field": "format"})
		return
	}
	report, err := observatory.Compute(r.Context(), api.Store, scope, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="observatory.csv"`)
		_ = observatory.WriteCSV(w, report)
		return
	}
	respond.JSON(w, http.StatusOK, report)
}

// apiObservatoryOptOut lets an agent leave (or rejoin) the indicators:
// POST /api/v1/observatory/opt_out {"opt_out": true}.
func (api *API) apiObservatoryOptOut(w http.ResponseWriter, r *http.Request) {
	var body struct {
		OptOut *bool `json:"opt_out"`
	}
	if err := respond.Decode(w, r, &body); err != nil {
		respond.Fail(w, err)
		return
	}
	if body.OptOut == nil {
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "true or false", "field": "opt_out"})
		return
	}
	if err := api.Store.SetObservatoryOptOut(r.Context(), auth.Account(r).ID, *body.OptOut); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]bool{"opt_out": *body.OptOut})
}

// publishedPeriod is what /observatory.json covers: the last twelve months.
func publishedReport(r *http.Request, api *API) (*observatory.Report, error) {
	p, err := observatory.ParsePeriod("", "", observatory.StepMonth, time.Now())
	if err != nil {
		return nil, err
	}
	return observatory.Compute(r.Context(), api.Store, store.ObservatoryScope{}, p)
}

// apiPublishedObservatory is /observatory.json: the node's monthly
// aggregates of the last twelve months, aggregates only, under the same
// rule of five. Anyone reads it when the node publishes it
// (ARCHIPEL_OBSERVATORY_PUBLIC); otherwise only the allowlisted peers, by
// a signed GET, for their federation-wide view.
func (api *API) apiPublishedObservatory(w http.ResponseWriter, r *http.Request) {
	if !api.ObservatoryPublic && !api.allowlistedPeer(r) {
		respond.Error(w, http.StatusNotFound, "this node does not publish its indicators to you")
		return
	}
	report, err := publishedReport(r, api)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	w.Header().Set("Vary", "Signature, Signature-Input")
	respond.JSON(w, http.StatusOK, observatory.Published{ID: api.Links.Base + "/observatory.json", Type: observatory.PublishedType,
		Node: api.Links.Host(), Observatory: report})
}

// allowlistedPeer tells whether a request is a signed GET from an actor of
// a host this node allowlisted.
func (api *API) allowlistedPeer(r *http.Request) bool {
	if api.Viewer == nil || r.Header.Get("Signature") == "" && r.Header.Get("Signature-Input") == "" {
		return false
	}
	a, err := api.Viewer(r)
	if err != nil || a == nil || a.Local {
		return false
	}
	policy, err := api.Store.DomainPolicy(r.Context(), a.Host)
	return err == nil && policy == store.PolicyAllow
}

// apiNetworkObservatory is the federation-wide view for node admins: this
// node's monthly figures summed with those every allowlisted peer shares
// (refresh=true fetches them again now; the worker does it hourly).
func (api *API) apiNetworkObservatory(w http.ResponseWriter, r *http.Request) {
	if auth.Account(r).Role != store.RoleAdmin {
		respond.Error(w, http.StatusForbidden, "the network's indicators are for the node's admins")
		return
	}
	if r.URL.Query().Get("refresh") == "true" && api.Federator != nil {
		_ = api.Store.ForgetPeerObservatoryTimes(r.Context())
		if err := observatory.RefreshPeers(r.Context(), api.Store, api.Federator.Fetch, api.Links.Scheme()); err != nil {
			respond.Fail(w, err)
			return
		}
	}
	own, err := publishedReport(r, api)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	nw, err := observatory.NetworkView(r.Context(), api.Store, api.Links.Host(), own)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, nw)
}
