package client

import (
	"net/http"
	"strings"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// apiDomains lists hosts with a policy or failing deliveries, and the mode.
func (api *API) apiDomains(w http.ResponseWriter, r *http.Request) {
	domains, err := api.Store.Domains(r.Context())
	if err != nil {
		respond.Fail(w, err)
		return
	}
	mode, err := api.Federator.CurrentMode(r.Context())
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if domains == nil {
		domains = []store.Domain{}
	}
	respond.JSON(w, http.StatusOK, map[string]any{"federation_mode": mode, "domains": domains})
}

type domainInput struct {
	Host   string `json:"host"`
	Policy string `json:"policy"` // allow, block or "" to clear
}

func (api *API) apiSetDomain(w http.ResponseWriter, r *http.Request) {
	var in domainInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	host := strings.ToLower(strings.TrimSpace(in.Host))
	if host == "" || strings.ContainsAny(host, "/@ ") || len(host) > 253 {
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "host: a host name, with its port if not the default", "field": "host"})
		return
	}
	if in.Policy != store.PolicyAllow && in.Policy != store.PolicyBlock && in.Policy != store.PolicyNone {
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "policy: allow, block or empty", "field": "policy"})
		return
	}
	if err := api.Store.SetDomainPolicy(r.Context(), host, in.Policy); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]string{"host": host, "policy": in.Policy})
}

func (api *API) apiSetFederationMode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Mode string `json:"mode"`
	}
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	if in.Mode != "open" && in.Mode != "allowlist" {
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "mode: open or allowlist", "field": "mode"})
		return
	}
	if err := api.Store.SetSetting(r.Context(), store.SettingFederationMode, in.Mode); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]string{"federation_mode": in.Mode})
}

func (api *API) apiDeliveries(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	if state == "" {
		state = store.DeliveryPending
	}
	if state != store.DeliveryPending && state != store.DeliveryDead && state != store.DeliveryFailed && state != store.DeliveryDone {
		respond.Error(w, http.StatusBadRequest, "state: pending, dead, failed or done")
		return
	}
	ds, err := api.Store.DeliveriesByState(r.Context(), state, 200)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if ds == nil {
		ds = []store.Delivery{}
	}
	respond.JSON(w, http.StatusOK, ds)
}

func (api *API) apiRetryDeliveries(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Host string `json:"host"`
	}
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	n, err := api.Store.RetryDead(r.Context(), strings.ToLower(in.Host))
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]int64{"retried": n})
}
