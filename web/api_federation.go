package web

import (
	"net/http"
	"strings"

	"github.com/archipel-social/archipel/store"
)

// requireAdmin lets only the node admin through.
func (s *Server) requireAdmin(h http.HandlerFunc) http.HandlerFunc {
	return s.requireAuth(func(w http.ResponseWriter, r *http.Request) {
		if currentAccount(r).Role != store.RoleAdmin {
			apiError(w, http.StatusForbidden, "only the node admin may do this")
			return
		}
		h(w, r)
	})
}

// apiDomains lists hosts with a policy or failing deliveries, and the mode.
func (s *Server) apiDomains(w http.ResponseWriter, r *http.Request) {
	domains, err := s.Store.Domains(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	mode, err := s.Federator.CurrentMode(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	if domains == nil {
		domains = []store.Domain{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"federation_mode": mode, "domains": domains})
}

type domainInput struct {
	Host   string `json:"host"`
	Policy string `json:"policy"` // allow, block or "" to clear
}

func (s *Server) apiSetDomain(w http.ResponseWriter, r *http.Request) {
	var in domainInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	host := strings.ToLower(strings.TrimSpace(in.Host))
	if host == "" || strings.ContainsAny(host, "/@ ") || len(host) > 253 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "host: a host name, with its port if not the default", "field": "host"})
		return
	}
	if in.Policy != store.PolicyAllow && in.Policy != store.PolicyBlock && in.Policy != store.PolicyNone {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "policy: allow, block or empty", "field": "policy"})
		return
	}
	if err := s.Store.SetDomainPolicy(r.Context(), host, in.Policy); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"host": host, "policy": in.Policy})
}

func (s *Server) apiSetFederationMode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Mode string `json:"mode"`
	}
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	if in.Mode != "open" && in.Mode != "allowlist" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "mode: open or allowlist", "field": "mode"})
		return
	}
	if err := s.Store.SetSetting(r.Context(), store.SettingFederationMode, in.Mode); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"federation_mode": in.Mode})
}

func (s *Server) apiDeliveries(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	if state == "" {
		state = store.DeliveryPending
	}
	if state != store.DeliveryPending && state != store.DeliveryDead && state != store.DeliveryFailed && state != store.DeliveryDone {
		apiError(w, http.StatusBadRequest, "state: pending, dead, failed or done")
		return
	}
	ds, err := s.Store.DeliveriesByState(r.Context(), state, 200)
	if err != nil {
		writeError(w, err)
		return
	}
	if ds == nil {
		ds = []store.Delivery{}
	}
	writeJSON(w, http.StatusOK, ds)
}

func (s *Server) apiRetryDeliveries(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Host string `json:"host"`
	}
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	n, err := s.Store.RetryDead(r.Context(), strings.ToLower(in.Host))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"retried": n})
}
