package inbox

import (
	"encoding/json"
	"mime"
	"strings"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

// inboxMediaTypes are the Content-Types an inbox POST may carry: ActivityPub's
// two (ld+json with or without the ActivityStreams profile) and plain JSON,
// which some servers send. GoToSocial accepts the first two only; Mastodon
// reads any body as JSON. Anything else is not an activity.
var inboxMediaTypes = map[string]bool{
	"application/activity+json": true,
	"application/ld+json":       true,
	"application/json":          true,
}

// acceptableContentType tells whether a Content-Type header names one of
// inboxMediaTypes (parameters such as profile or charset are allowed).
func acceptableContentType(header string) bool {
	mt, _, err := mime.ParseMediaType(header)
	return err == nil && inboxMediaTypes[strings.ToLower(mt)]
}

// actorTypes are the types whose Update changes a profile.
var actorTypes = map[string]bool{"Person": true, "Group": true, "Application": true, "Service": true, "Organization": true}

// forgedAttribution reads what an activity claims about its object and
// returns why the claim is forged, or "" when it is not. These checks need
// nothing but the body, so the HTTP inbox makes them before answering: the
// sender learns at once, and nothing is queued. The worker checks again
// (trustedObject, the handlers), for activities that reach it otherwise.
//
//   - Create: the object is the actor's own (attributedTo names the actor,
//     or, for an Event, the actor is its organiser, as Mobilizon attributes
//     a group's events to the group) and has its id on the actor's host.
//   - Update of an actor: only of the signer itself. Update of a post: of a
//     post on the actor's host. (A document's new version may be of another
//     member's document: the group checks membership.)
//     A group's wiki page is everyone's to edit: the group checks rights
//     and versions (inbox/wiki.go).
//   - Delete: of the actor itself or of an object on its host.
//
// Announce may carry anything: a group redistributes its members' posts.
func forgedAttribution(env envelope, actorURI string) string {
	typ := firstString(env.Type)
	objectID := idOf(env.Object)
	var obj struct {
		Type         json.RawMessage `json:"type"`
		AttributedTo json.RawMessage `json:"attributedTo"`
		// Actor is the organiser of a Mobilizon Event, which is attributed
		// to its group.
		Actor json.RawMessage `json:"actor"`
	}
	embedded := json.Unmarshal(env.Object, &obj) == nil
	objType := ""
	if embedded {
		objType = firstString(obj.Type)
	}
	switch typ {
	case "Create":
		if objectID != "" && !sameHost(objectID, actorURI) {
			return "the created object's id is not on its actor's host"
		}
		organiser := objType == "Event" && len(obj.Actor) > 0 && refersTo(obj.Actor, actorURI)
		if embedded && len(obj.AttributedTo) > 0 && !refersTo(obj.AttributedTo, actorURI) && !organiser {
			return "the created object is attributed to another actor"
		}
	case "Update":
		switch {
		case actorTypes[objType] && objectID != actorURI:
			return "an actor can update only its own profile"
		case postTypes.Contains(vocab.ActivityVocabularyType(objType)) && !sameHost(objectID, actorURI) && !isGroupPage(env.Object):
			return "the updated post is not on its actor's host"
		}
	case "Delete":
		if objectID != "" && objectID != actorURI && !sameHost(objectID, actorURI) {
			return "the deleted object is not on its actor's host"
		}
	}
	return ""
}

// refersTo tells whether a JSON-LD reference (a string, an object with an
// id, or a list of those, as PeerTube's attributedTo) names uri.
func refersTo(raw json.RawMessage, uri string) bool {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		for _, item := range list {
			if idOf(item) == uri {
				return true
			}
		}
		return false
	}
	return idOf(raw) == uri
}

// isGroupPage tells whether an embedded object is a page of a group's
// knowledge base (an Article with a version in a group's pages).
func isGroupPage(raw json.RawMessage) bool {
	kind, _ := groupItem([]byte(`{"object":` + string(raw) + `}`))
	return kind == store.TypeWikiPage
}
