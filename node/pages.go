package node

import (
	"net/http"

	"github.com/archipel-social/archipel/web/ui"
)

// pages builds the web interface.
func (n *Node) pages() http.Handler {
	return ui.New(ui.Deps{Store: n.Store, Links: n.Links, Accounts: n.Accounts, Outbox: n.Outbox,
		Federator: n.Federator, OAuth: n.OAuth, SSO: n.SSO, SSOName: n.Config.OIDCName, Mailer: n.NotifyMail, Log: n.Log})
}
