package client

import (
	"net/http"

	"github.com/archipel-social/archipel/web/respond"
)

func (api *API) apiInstance(w http.ResponseWriter, r *http.Request) {
	respond.JSON(w, http.StatusOK, map[string]any{
		"uri": api.Links.Host(), "title": api.Links.Host(), "version": "4.0.0 (compatible; Archipel " + api.Version + ")",
		"description": "Archipel node", "registrations": false, "languages": []string{"fr", "en"},
	})
}
