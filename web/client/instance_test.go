package client_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// /api/v2/instance has what apps read at sign-in (the streaming URL, the
// limits, sign-up, contact and rules), /api/v1/instance the same in v1's
// shape, and the small documents around them answer.
func TestInstanceDocuments(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules.txt")
	if err := os.WriteFile(rules, []byte("Restez courtois\n\nPas de données personnelles\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := testnet.StartNode(t, testnet.Options{Identity: config.Identity{Registrations: "approval"},
		Instance: config.Instance{Title: "Région Exemple", ContactEmail: "dsi@region.gouv.fr", RulesFile: rules}})
	admin := n.CreateUser("admin", store.TierState, store.RoleAdmin)
	var v2 struct {
		Domain, Title, Version string
		SourceURL              string `json:"source_url"`
		Usage                  struct {
			Users struct {
				ActiveMonth int64 `json:"active_month"`
			}
		}
		Configuration struct {
			URLs     struct{ Streaming string }
			Statuses struct {
				MaxCharacters            int `json:"max_characters"`
				MaxMediaAttachments      int `json:"max_media_attachments"`
				CharactersReservedPerURL int `json:"characters_reserved_per_url"`
			}
			MediaAttachments struct {
				SupportedMimeTypes []string `json:"supported_mime_types"`
			} `json:"media_attachments"`
			Translation struct{ Enabled bool }
		}
		Registrations struct {
			Enabled          bool
			ApprovalRequired bool `json:"approval_required"`
		}
		Contact struct {
			Email   string
			Account *struct{ ID string }
		}
		Rules []struct{ ID, Text string }
	}
	res := n.Do("GET", "/api/v2/instance", "", nil)
	res.JSON(t, &v2)
	if res.Status != 200 || v2.Domain != n.Host || v2.Title != "Région Exemple" || v2.SourceURL == "" || v2.Version == "" {
		t.Errorf("v2: %d %s", res.Status, res.Body)
	}
	if v2.Configuration.URLs.Streaming != "ws://"+n.Host || v2.Configuration.Statuses.MaxCharacters != 5000 ||
		v2.Configuration.Statuses.CharactersReservedPerURL != 23 || len(v2.Configuration.MediaAttachments.SupportedMimeTypes) == 0 {
		t.Errorf("v2 configuration: %+v", v2.Configuration)
	}
	if !v2.Registrations.Enabled || !v2.Registrations.ApprovalRequired {
		t.Errorf("registrations: %+v", v2.Registrations)
	}
	if v2.Contact.Email != "dsi@region.gouv.fr" || v2.Contact.Account == nil || v2.Contact.Account.ID != id(admin.Actor.ID) {
		t.Errorf("contact: %+v", v2.Contact)
	}
	if len(v2.Rules) != 2 || v2.Rules[1].Text != "Pas de données personnelles" || v2.Rules[0].ID != "1" {
		t.Errorf("rules: %+v", v2.Rules)
	}
	admin.API("GET", "/accounts/verify_credentials", nil) // uses the token: active this month
	n.Do("GET", "/api/v2/instance", "", nil).JSON(t, &v2)
	if v2.Usage.Users.ActiveMonth != 1 {
		t.Errorf("active this month: %d", v2.Usage.Users.ActiveMonth)
	}

	var v1 struct {
		URI  string
		URLs struct {
			StreamingAPI string `json:"streaming_api"`
		}
		Stats struct {
			UserCount int64 `json:"user_count"`
		}
		Rules []struct{ Text string }
	}
	n.Do("GET", "/api/v1/instance", "", nil).JSON(t, &v1)
	if v1.URI != n.Host || v1.URLs.StreamingAPI != "ws://"+n.Host || v1.Stats.UserCount != 1 || len(v1.Rules) != 2 {
		t.Errorf("v1: %+v", v1)
	}
	if res := n.Do("GET", "/api/v1/instance/rules", "", nil); res.Status != 200 || !strings.Contains(string(res.Body), "Restez courtois") {
		t.Errorf("rules: %d %s", res.Status, res.Body)
	}
	if res := n.Do("GET", "/api/v1/custom_emojis", "", nil); res.Status != 200 || string(res.Body) != "[]\n" && string(res.Body) != "[]" {
		t.Errorf("custom emojis: %d %q", res.Status, res.Body)
	}
	var prefs map[string]any
	res = admin.API("GET", "/preferences", nil)
	res.JSON(t, &prefs)
	if res.Status != 200 || prefs["posting:default:visibility"] != "public" || prefs["reading:expand:spoilers"] != false {
		t.Errorf("preferences: %d %s", res.Status, res.Body)
	}
	if res := n.Do("GET", "/api/v1/preferences", "", nil); res.Status != 401 {
		t.Errorf("preferences without a token: %d", res.Status)
	}
}
