// Package ap is the one place where the node's rows become ActivityStreams
// documents and peers' documents become rows. It builds with go-ap and adds
// what go-ap cannot express (Mastodon's @context and extension fields).
package ap

import (
	"strconv"
	"strings"
)

// Links builds this node's URLs. Every local ActivityPub id comes from here.
type Links struct {
	Base string // scheme://host[:port], no trailing slash
}

// NewLinks returns the links of a node reachable at base.
func NewLinks(base string) Links { return Links{Base: strings.TrimRight(base, "/")} }

// Host is the node's host (with port).
func (l Links) Host() string {
	h := strings.TrimPrefix(strings.TrimPrefix(l.Base, "https://"), "http://")
	return h
}

// Scheme is how the node is reached, "https" (or "http" for a local or
// test node); peers of a network are reached the same way.
func (l Links) Scheme() string {
	if strings.HasPrefix(l.Base, "http://") {
		return "http"
	}
	return "https"
}

func (l Links) Person(username string) string { return l.Base + "/users/" + username }
func (l Links) Group(username string) string  { return l.Base + "/groups/" + username }
func (l Links) InstanceActor() string         { return l.Base + "/actor" }
func (l Links) SharedInbox() string           { return l.Base + "/inbox" }
func (l Links) Inbox(actor string) string     { return actor + "/inbox" }
func (l Links) Outbox(actor string) string    { return actor + "/outbox" }
func (l Links) Followers(actor string) string { return actor + "/followers" }
func (l Links) Following(actor string) string { return actor + "/following" }
func (l Links) Members(actor string) string   { return actor + "/members" }
func (l Links) Moderators(actor string) string {
	return actor + "/moderators"
}
func (l Links) KeyID(actor string) string { return actor + "#main-key" }

// Ed25519KeyID is the id of an actor's Ed25519 Multikey (FEP-521a).
func (l Links) Ed25519KeyID(actor string) string { return actor + "#ed25519-key" }

// Featured is a person's pinned posts (Mastodon's path); FeaturedTags the
// hashtags shown on its profile, its skills.
func (l Links) Featured(actor string) string     { return actor + "/collections/featured" }
func (l Links) FeaturedTags(actor string) string { return actor + "/collections/tags" }

func (l Links) Tag(folded string) string { return l.Base + "/tags/" + folded }

// Profile is the HTML page of a person (@name) or group (!name).
func (l Links) Profile(username string, group bool) string {
	if group {
		return l.Base + "/g/" + username
	}
	return l.Base + "/@" + username
}

// Note is the id of a local note; it contains the row id so it is stable.
func (l Links) Note(username string, id int64) string {
	return l.Person(username) + "/statuses/" + strconv.FormatInt(id, 10)
}

// GroupAnnounce is the id of an announce by a local group.
func (l Links) GroupAnnounce(group, id string) string { return group + "/announces/" + id }

// Activity is the id of a local activity.
func (l Links) Activity(id string) string { return l.Base + "/activities/" + id }

// IsLocal tells whether a URI is one of this node's.
func (l Links) IsLocal(uri string) bool {
	return uri == l.Base || strings.HasPrefix(uri, l.Base+"/") || strings.HasPrefix(uri, l.Base+"#")
}

// Variants of a picture's file in its URL.
const (
	MediaOriginal = "original"
	MediaSmall    = "small"
)

// MediaFile is the URL of a picture's original or small version, named by
// its random token; the extension follows the file's type, as apps expect.
func (l Links) MediaFile(token, variant, mediaType string) string {
	ext := ".bin"
	switch mediaType {
	case "image/jpeg":
		ext = ".jpg"
	case "image/png":
		ext = ".png"
	case "image/gif":
		ext = ".gif"
	case "image/webp":
		ext = ".webp"
	}
	return l.Base + "/media/" + token + "/" + variant + ext
}

// DefaultAvatar and DefaultHeader are the pictures of people who set none
// (apps cannot show an empty URL).
func (l Links) DefaultAvatar() string { return l.Base + "/media/default/avatar.png" }
func (l Links) DefaultHeader() string { return l.Base + "/media/default/header.png" }
