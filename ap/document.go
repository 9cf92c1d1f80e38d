package ap

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// DocumentsCollection is the target of Add for a group's documents.
func (l Links) DocumentsCollection(group string) string { return group + "/documents" }

// DocumentURI is the id of a local document.
func (l Links) DocumentURI(id int64) string {
	return l.Base + "/documents/" + strconv.FormatInt(id, 10)
}

// UploadFile is where a member's node serves a file it uploaded, by digest,
// for the group's node to fetch.
func (l Links) UploadFile(sha256 string) string { return l.Base + "/files/" + sha256 }

// GroupFile is where a group's node serves any file of the group's documents,
// by digest: what member nodes download from.
func GroupFile(groupURI, sha256 string) string { return groupURI + "/files/" + sha256 }

// DocumentDocument renders a document version as an ActivityPub Document:
// the AS2 fields, plus size, digest, version, folder and file name (which
// AS2 has no terms for) as extension fields.
func DocumentDocument(d *store.Document, v *store.Version, author, group *store.Actor, addr Addressing, fileURL string) ([]byte, map[string]any, error) {
	o := vocab.ObjectNew(vocab.DocumentType)
	o.ID = vocab.ID(d.URI)
	o.Name = vocab.DefaultNaturalLanguageValue(d.Name)
	if d.Summary != "" {
		// The description is plain text here; AS2's summary is HTML.
		o.Summary = vocab.DefaultNaturalLanguageValue(markup.TextToHTML(d.Summary))
	}
	o.AttributedTo = vocab.IRI(author.URI)
	o.MediaType = vocab.MimeType(v.MediaType)
	o.URL = vocab.IRI(fileURL)
	o.Published = d.Published.UTC()
	if d.Updated != nil {
		o.Updated = d.Updated.UTC()
	}
	o.To, o.CC, o.Audience = addr.To, addr.CC, addr.Audience
	if group != nil {
		o.Context = vocab.IRI(group.URI)
	}
	extras := map[string]any{
		"size":     v.Size,
		"digest":   "SHA-256=" + v.SHA256,
		"version":  v.Version,
		"folder":   d.Folder,
		"fileName": v.FileName,
	}
	raw, err := Marshal(o, extras)
	return raw, extras, err
}

// RemoteDocument is what a peer's Document says.
type RemoteDocument struct {
	URI, Name, Summary, MediaType, URL, Folder, FileName, AttributedTo string
	Size                                                               int64
	SHA256                                                             string
	Version                                                            int
	Audience                                                           []string
	// Updated orders edits delivered late; nil when the peer did not say.
	Updated *time.Time
}

// ParseDocument reads a Document with its extension fields.
func ParseDocument(raw []byte) (*RemoteDocument, error) {
	var doc struct {
		ID           string                    `json:"id"`
		Type         json.RawMessage           `json:"type"`
		Name         string                    `json:"name"`
		Summary      string                    `json:"summary"`
		MediaType    string                    `json:"mediaType"`
		URL          json.RawMessage           `json:"url"`
		AttributedTo json.RawMessage           `json:"attributedTo"`
		Size         int64                     `json:"size"`
		Digest       string                    `json:"digest"`
		Version      int                       `json:"version"`
		Folder       string                    `json:"folder"`
		FileName     string                    `json:"fileName"`
		Updated      string                    `json:"updated"`
		Audience     flexList[json.RawMessage] `json:"audience"`
		To           flexList[json.RawMessage] `json:"to"`
		Context      json.RawMessage           `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	if !hasType(doc.Type, "Document") {
		return nil, fmt.Errorf("document: type is not Document")
	}
	sha, ok := strings.CutPrefix(doc.Digest, "SHA-256=")
	if !ok || len(sha) != 64 || strings.Trim(strings.ToLower(sha), "0123456789abcdef") != "" {
		return nil, fmt.Errorf("document: digest %q is not SHA-256=<hex>", doc.Digest)
	}
	if doc.Size < 0 || doc.Version < 1 {
		return nil, fmt.Errorf("document: size %d or version %d out of range", doc.Size, doc.Version)
	}
	u := refOf(doc.URL)
	if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") {
		return nil, fmt.Errorf("document: url %q", u)
	}
	// Name and description are kept as plain text (the description comes as
	// HTML, or as plain text from older nodes: markup.Text reads both).
	rd := &RemoteDocument{URI: doc.ID, Name: markup.Text(doc.Name), Summary: markup.Text(doc.Summary), MediaType: doc.MediaType, URL: u,
		Folder: doc.Folder, FileName: doc.FileName, AttributedTo: refOf(doc.AttributedTo), Size: doc.Size,
		SHA256: strings.ToLower(sha), Version: doc.Version}
	for _, a := range append(append([]json.RawMessage{}, doc.Audience...), doc.Context) {
		if ref := refOf(a); ref != "" {
			rd.Audience = append(rd.Audience, ref)
		}
	}
	if rd.FileName == "" {
		rd.FileName = rd.Name
	}
	if t, err := time.Parse(time.RFC3339, doc.Updated); err == nil {
		rd.Updated = &t
	}
	return rd, nil
}

// refOf reads a reference that is a string, an object with href or id, or
// a list of those (the first).
func refOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct{ Href, ID string }
	if json.Unmarshal(raw, &obj) == nil {
		if obj.Href != "" {
			return obj.Href
		}
		return obj.ID
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return refOf(list[0])
	}
	return ""
}
