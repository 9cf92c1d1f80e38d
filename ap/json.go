package ap

import (
	"bytes"
	"encoding/json"
	"fmt"

	vocab "github.com/go-ap/activitypub"
)

// ContentType is what peers send and expect.
const ContentType = "application/activity+json"

// Context is the @context of every document we publish: ActivityStreams,
// security (publicKey), multikey (FEP-521a's assertionMethod keys), and the Mastodon and Lemmy terms we use, written as
// term definitions that go-ap's jsonld cannot express.
var Context = []any{
	"https://www.w3.org/ns/activitystreams",
	"https://w3id.org/security/v1",
	"https://w3id.org/security/multikey/v1",
	map[string]any{
		"assertionMethod":           map[string]string{"@id": "sec:assertionMethod", "@type": "@id", "@container": "@set"},
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"sensitive":                 "as:sensitive",
		"Hashtag":                   "as:Hashtag",
		"toot":                      "http://joinmastodon.org/ns#",
		"discoverable":              "toot:discoverable",
		"blurhash":                  "toot:blurhash",
		"focalPoint":                map[string]string{"@container": "@list", "@id": "toot:focalPoint"},
		"indexable":                 "toot:indexable",
		"featured":                  map[string]string{"@id": "toot:featured", "@type": "@id"},
		"featuredTags":              map[string]string{"@id": "toot:featuredTags", "@type": "@id"},
		"schema":                    "http://schema.org#",
		"PropertyValue":             "schema:PropertyValue",
		"value":                     "schema:value",
		"lemmy":                     "https://join-lemmy.org/ns#",
		"postingRestrictedToMods":   "lemmy:postingRestrictedToMods",
		"moderators":                map[string]string{"@id": "lemmy:moderators", "@type": "@id"},
		"archipel":                  "https://archipel.social/ns#",
		"members":                   map[string]string{"@id": "archipel:members", "@type": "@id"},
		"visibility":                "archipel:visibility",
		"joinPolicy":                "archipel:joinPolicy",
		"stateOnly":                 "archipel:stateOnly",
		"size":                      "archipel:size",
		"digest":                    "archipel:digest",
		"version":                   "archipel:version",
		"folder":                    "archipel:folder",
		"fileName":                  "archipel:fileName",
		// Events, with Mobilizon's terms (lib/federation/activity_pub/utils.ex,
		// make_json_ld_header) so that Mobilizon reads ours as its own.
		"sc":                        "http://schema.org#",
		"ical":                      "http://www.w3.org/2002/12/cal/ical#",
		"mz":                        "https://joinmobilizon.org/ns#",
		"maximumAttendeeCapacity":   "sc:maximumAttendeeCapacity",
		"remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
		"location":                  map[string]string{"@id": "sc:location", "@type": "sc:Place"},
		"PostalAddress":             "sc:PostalAddress",
		"address":                   map[string]string{"@id": "sc:address", "@type": "sc:PostalAddress"},
		"addressCountry":            "sc:addressCountry",
		"addressRegion":             "sc:addressRegion",
		"postalCode":                "sc:postalCode",
		"addressLocality":           "sc:addressLocality",
		"streetAddress":             "sc:streetAddress",
		"joinModeType":              map[string]string{"@id": "mz:joinModeType", "@type": "rdfs:Class"},
		"joinMode":                  map[string]string{"@id": "mz:joinMode", "@type": "mz:joinModeType"},
		"participationMessage":      map[string]string{"@id": "mz:participationMessage", "@type": "sc:Text"},
		"timezone":                  map[string]string{"@id": "mz:timezone", "@type": "sc:Text"},
		"isOnline":                  "mz:isOnline",
		"participantCount":          "mz:participantCount",
		"participantsCountedAt":     "archipel:participantsCountedAt",
		"allDay":                    "archipel:allDay",
		"source":                    "as:source",
		"parent":                    map[string]string{"@id": "archipel:parent", "@type": "@id"},
		"locked":                    "archipel:locked",
		"template":                  "archipel:template",
		"forge":                     "https://forgefed.org/ns#",
		"Ticket":                    "forge:Ticket",
		"isResolved":                "forge:isResolved",
		"assignedTo":                map[string]string{"@id": "forge:assignedTo", "@type": "@id"},
		"status":                    "archipel:taskStatus",
		"dueDate":                   "archipel:dueDate",
		"labels":                    "archipel:labels",
		"checklist":                 "archipel:checklist",
	},
}

// Marshal writes a document with our @context and the extension fields in
// extras (which win over go-ap's fields of the same name).
func Marshal(it vocab.Item, extras map[string]any) ([]byte, error) {
	doc, err := fields(it, extras)
	if err != nil {
		return nil, err
	}
	return withContext(doc)
}

// Embedded writes a document as Marshal does but without @context, to be
// embedded in another (an activity's object).
func Embedded(it vocab.Item, extras map[string]any) (json.RawMessage, error) {
	doc, err := fields(it, extras)
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// WithContext gives a document written by Embedded our @context, to serve
// it alone. The context is spliced in front of the document's fields, not
// decoded and encoded again: a note is written once per delivery.
func WithContext(embedded json.RawMessage) ([]byte, error) {
	b := bytes.TrimSpace(embedded)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("with context: not a JSON object")
	}
	out := make([]byte, 0, len(contextField)+len(b)+1)
	out = append(out, '{')
	out = append(out, contextField...)
	if rest := bytes.TrimSpace(b[1:]); len(rest) > 1 {
		out = append(out, ',')
		out = append(out, rest...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

// contextField is `"@context":…` as every document carries it.
var contextField = func() []byte {
	ctx, err := json.Marshal(Context)
	if err != nil {
		panic(err)
	}
	return append([]byte(`"@context":`), ctx...)
}()

func withContext(doc map[string]json.RawMessage) ([]byte, error) {
	doc["@context"] = contextField[len(`"@context":`):]
	return json.Marshal(doc)
}

// fields are a go-ap document's top-level fields with extras spliced in.
func fields(it vocab.Item, extras map[string]any) (map[string]json.RawMessage, error) {
	b, err := vocab.MarshalJSON(it)
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", it.GetType(), err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	for k, v := range extras {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("marshal %s: %w", k, err)
		}
		doc[k] = raw
	}
	return doc, nil
}

// PropertyValue is a profile field as Mastodon shows it.
type PropertyValue struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Hashtag is a tag as Mastodon shows it.
type Hashtag struct {
	Type string `json:"type"`
	Name string `json:"name"`
	Href string `json:"href,omitempty"`
}
