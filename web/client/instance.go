package client

import (
	"net/http"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/outbox"

	"github.com/archipel-social/archipel/web/respond"
)

// apiInstance is Mastodon's v1 Instance; registrations and
// approval_required say the node's sign-up mode.
func (api *API) apiInstance(w http.ResponseWriter, r *http.Request) {
	mode := api.Accounts.RegistrationMode()
	respond.JSON(w, http.StatusOK, map[string]any{
		"uri": api.Links.Host(), "title": api.Links.Host(), "version": "4.0.0 (compatible; Archipel " + api.Version + ")",
		"description": "Archipel node", "languages": []string{"fr", "en"},
		"registrations": mode != accounts.RegistrationsClosed, "approval_required": mode == accounts.RegistrationsApproval,
		"invites_enabled": false, "urls": map[string]string{},
		"configuration": map[string]any{
			"statuses":          map[string]any{"max_characters": outbox.MaxNoteLength, "max_media_attachments": outbox.MaxAttachments},
			"media_attachments": api.mediaConfiguration(),
		},
	})
}
